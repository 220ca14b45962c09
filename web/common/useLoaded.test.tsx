// @vitest-environment happy-dom
import { render } from "preact";
import { act } from "preact/test-utils";
import { afterEach, describe, expect, it } from "vitest";
import { useLoaded, type Loaded } from "./useLoaded";

let root: HTMLElement;
let seen: Loaded<string>;

/** A read the test answers when it likes. */
function pending(): { read: () => Promise<string>; answer: (v: string) => void; fail: (m: string) => void } {
  let answer: (v: string) => void = () => undefined;
  let fail: (m: string) => void = () => undefined;
  const promise = new Promise<string>((resolve, reject) => {
    answer = resolve;
    fail = (m) => reject(new Error(m));
  });
  return { read: () => promise, answer, fail };
}

function Probe({ load, input }: { load: (() => Promise<string>) | null; input: number }) {
  seen = useLoaded(load, [input]);
  return null;
}

function show(load: (() => Promise<string>) | null, input: number): void {
  act(() => render(<Probe load={load} input={input} />, root));
}

async function settle(): Promise<void> {
  await act(async () => {
    await new Promise((r) => setTimeout(r, 0));
  });
}

afterEach(() => {
  act(() => render(null, root));
  root.remove();
});

describe("useLoaded", () => {
  it("is busy while reading, then holds the value; an error is cleared by the next good read", async () => {
    root = document.createElement("div");
    const first = pending();
    show(first.read, 1);
    expect(seen).toEqual({ value: null, error: null, busy: true });
    first.fail("The server is away.");
    await settle();
    expect(seen).toEqual({ value: null, error: "The server is away.", busy: false });

    const second = pending();
    show(second.read, 2);
    second.answer("read");
    await settle();
    expect(seen).toEqual({ value: "read", error: null, busy: false });
  });

  it("drops an answer that a newer read overtook", async () => {
    root = document.createElement("div");
    const old = pending();
    const newer = pending();
    show(old.read, 1);
    show(newer.read, 2);
    newer.answer("newer");
    await settle();
    old.answer("old");
    await settle();
    expect(seen.value).toBe("newer");
  });

  it("reads nothing without a load", async () => {
    root = document.createElement("div");
    show(null, 1);
    await settle();
    expect(seen).toEqual({ value: null, error: null, busy: false });
  });
});
