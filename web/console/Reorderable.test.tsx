// @vitest-environment happy-dom
import { render } from "preact";
import { act } from "preact/test-utils";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MoveButtons, useReorderableList } from "./Reorderable";

type Save = (ordered: string[]) => Promise<unknown>;

function Fruits({ items, save }: { items: readonly string[]; save: Save }) {
  const list = useReorderableList(items, { save, idPrefix: (fruit) => `fruit-${fruit}` });
  return (
    <ol>
      {list.items.map((fruit, index) => (
        <li key={fruit} data-fruit={fruit}>
          <MoveButtons
            idPrefix={`fruit-${fruit}`}
            name={fruit}
            index={index}
            count={list.items.length}
            onMove={(step) => list.move(index, step)}
          />
        </li>
      ))}
    </ol>
  );
}

let root: HTMLElement;

function show(items: readonly string[], save: Save): void {
  act(() => render(<Fruits items={items} save={save} />, root));
}

function order(): string[] {
  return [...root.querySelectorAll("li")].map((li) => li.dataset["fruit"] ?? "");
}

function button(label: string): HTMLButtonElement {
  const found = [...root.querySelectorAll("button")].find((b) => b.getAttribute("aria-label") === label);
  if (found === undefined) throw new Error(`No button ${label}`);
  return found;
}

function press(label: string): void {
  act(() => button(label).click());
}

/** Resolves after the next frame is drawn, when focus moved by focusLater has landed. */
function nextFrame(): Promise<void> {
  return new Promise((done) => requestAnimationFrame(() => done()));
}

beforeEach(() => {
  root = document.createElement("div");
  document.body.append(root);
});

afterEach(() => {
  act(() => render(null, root));
  root.remove();
});

describe("a reorderable list", () => {
  it("shows the new order at once and saves it", () => {
    const save = vi.fn<Save>(() => new Promise(() => undefined));
    show(["apple", "pear", "plum"], save);
    press("Move pear up");
    expect(order()).toEqual(["pear", "apple", "plum"]);
    expect(save).toHaveBeenCalledWith(["pear", "apple", "plum"]);
    press("Move apple down");
    expect(order()).toEqual(["pear", "plum", "apple"]);
    expect(save).toHaveBeenLastCalledWith(["pear", "plum", "apple"]);
  });

  it("cannot move past its edges: the first has no Up, the last no Down", () => {
    const save = vi.fn<Save>(() => Promise.resolve());
    show(["apple", "pear"], save);
    expect(button("Move apple up").disabled).toBe(true);
    expect(button("Move apple down").disabled).toBe(false);
    expect(button("Move pear down").disabled).toBe(true);
    press("Move apple up");
    expect(order()).toEqual(["apple", "pear"]);
    expect(save).not.toHaveBeenCalled();
  });

  it("keeps the keyboard on the moved item's button once saved, or on the other one at an edge", async () => {
    let saved: Promise<unknown> = Promise.resolve();
    const save = vi.fn<Save>(() => (saved = Promise.resolve()));
    show(["apple", "pear", "plum"], save);
    press("Move plum up");
    await saved;
    await nextFrame();
    expect(document.activeElement).toBe(button("Move plum up"));
    press("Move plum up");
    await saved;
    await nextFrame();
    // Plum is first now: Up is disabled, so Down has the focus.
    expect(order()).toEqual(["plum", "apple", "pear"]);
    expect(document.activeElement).toBe(button("Move plum down"));
  });

  it("keeps the keyboard on the item when the save fails", async () => {
    let saved: Promise<unknown> = Promise.resolve();
    show(["apple", "pear"], () => (saved = Promise.reject(new Error("offline"))));
    press("Move apple down");
    await saved.catch(() => undefined);
    await nextFrame();
    expect(document.activeElement).toBe(button("Move apple up"));
  });

  it("shows the order read again from the server, but keeps its own over a redraw of the same list", () => {
    const save = vi.fn<Save>(() => new Promise(() => undefined));
    const items = ["apple", "pear", "plum"];
    show(items, save);
    press("Move plum up");
    show([...items], save);
    expect(order()).toEqual(["apple", "plum", "pear"]);
    show(["plum", "pear", "apple"], save);
    expect(order()).toEqual(["plum", "pear", "apple"]);
  });
});
