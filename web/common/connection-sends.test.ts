import { describe, expect, it, vi } from "vitest";
import { event, useConnectionHarness, welcome } from "./connection-test-kit";

// The Connection's outbox: sends kept until their ack, resent after a reconnect,
// refused for good or for now, blamed for server failures, kept across a reload.
describe("Connection sends", () => {
  const { store, make, last } = useConnectionHarness();

  it("shows a send refused with a final error as failed and never sends it again, even after a reload", () => {
    const c = make();
    c.start();
    c.subscribe("S1");
    last().open();
    last().frame(welcome);
    const poison = c.send("S1", "message", "half a pair \ud800");
    const fine = c.send("S1", "message", "fine");
    const message = "This frame holds a character that cannot be stored. Remove it and send again.";
    last().frame({ type: "error", code: "invalid_input", message, session: "S1", client_id: poison.clientId });
    last().frame({ type: "ack", session: "S1", client_id: fine.clientId, seq: 2, duplicate: false });
    expect(c.pendingFor("S1").find((e) => e.clientId === poison.clientId)).toMatchObject({
      state: "failed",
      error: { code: "invalid_input", message },
    });
    last().drop(1006);
    vi.advanceTimersByTime(1000);
    last().open();
    last().frame(welcome);
    expect(last().types()).toEqual(["subscribe"]);
    c.stop();
    const reloaded = make();
    reloaded.start();
    last().open();
    last().frame(welcome);
    expect(last().types()).toEqual([]);
    expect(reloaded.pendingFor("S1")).toMatchObject([{ clientId: poison.clientId, state: "failed", error: { code: "invalid_input", message } }]);
  });

  it("keeps a send refused for now (rate_limited, unavailable) and sends it again later", () => {
    const c = make();
    c.start();
    last().open();
    last().frame(welcome);
    const busy = c.send("S1", "message", "hello");
    last().frame({ type: "error", code: "rate_limited", message: "Slow down.", client_id: busy.clientId, retry_after: 3 });
    expect(c.pendingFor("S1")[0]).toMatchObject({ state: "pending" });
    vi.advanceTimersByTime(2999);
    expect(last().types()).toEqual(["send"]);
    vi.advanceTimersByTime(1);
    expect(last().types()).toEqual(["send", "send"]);
    expect(last().sent[1]).toMatchObject({ client_id: busy.clientId, text: "hello" });
    // Without retry_after: with backoff, one second for its first delay.
    last().frame({ type: "error", code: "unavailable", message: "Try later.", client_id: busy.clientId });
    vi.advanceTimersByTime(999);
    expect(last().types()).toEqual(["send", "send"]);
    vi.advanceTimersByTime(1);
    expect(last().types()).toEqual(["send", "send", "send"]);
    last().frame({ type: "ack", session: "S1", client_id: busy.clientId, seq: 4, duplicate: false });
    vi.advanceTimersByTime(20_000);
    expect(last().types().filter((t) => t === "send")).toHaveLength(3);
    expect(c.pendingFor("S1")[0]).toMatchObject({ state: "acked", error: null });
  });

  it("gives up a send after the server failed on it twice (1011), also across a reload", () => {
    const c = make();
    c.start();
    last().open();
    last().frame(welcome);
    const poison = c.send("S1", "message", "the server chokes on this");
    last().drop(1011);
    vi.advanceTimersByTime(1000);
    last().open();
    last().frame(welcome);
    expect(last().sent).toMatchObject([{ type: "send", client_id: poison.clientId }]);
    c.stop();
    // A reload: the count of failures is kept with the line.
    const reloaded = make();
    reloaded.start();
    last().open();
    last().frame(welcome);
    expect(last().sent).toMatchObject([{ type: "send", client_id: poison.clientId }]);
    last().drop(1011);
    expect(reloaded.pendingFor("S1")[0]).toMatchObject({ state: "failed" });
    vi.advanceTimersByTime(2000);
    last().open();
    last().frame(welcome);
    expect(last().types()).toEqual([]);
  });

  it("blames a server failure on the oldest unanswered send only, and not a dropped network", () => {
    const c = make();
    c.start();
    last().open();
    last().frame(welcome);
    const answered = c.send("S1", "message", "one");
    const culprit = c.send("S1", "message", "two");
    const innocent = c.send("S1", "message", "three");
    last().frame({ type: "ack", session: "S1", client_id: answered.clientId, seq: 2, duplicate: false });
    last().drop(1011);
    vi.advanceTimersByTime(1000);
    last().open();
    last().frame(welcome);
    last().drop(1006);
    const strikes = Object.fromEntries(c.pendingFor("S1").map((e) => [e.clientId, e.strikes]));
    expect(strikes).toEqual({ [answered.clientId]: 0, [culprit.clientId]: 1, [innocent.clientId]: 0 });
  });

  it("keeps sends until their ack and resends them with the same client id", () => {
    const c = make();
    c.start();
    const queued = c.send("S1", "message", "typed while offline");
    expect(queued.state).toBe("pending");
    expect(c.pendingFor("S1")).toHaveLength(1);
    c.subscribe("S1");
    last().open();
    last().frame(welcome);
    expect(last().types()).toEqual(["subscribe", "send"]);
    expect(last().sent[1]).toMatchObject({ client_id: "cid-1", text: "typed while offline", kind: "message" });
    // The connection drops before the ack.
    last().drop(1006);
    vi.advanceTimersByTime(1000);
    last().open();
    last().frame(welcome);
    expect(last().sent[1]).toMatchObject({ type: "send", client_id: "cid-1" });
    last().frame({ type: "ack", session: "S1", client_id: "cid-1", seq: 3, duplicate: true });
    expect(c.pendingFor("S1")[0]?.state).toBe("acked");
    last().frame(event(3, { client_id: "cid-1" }));
    expect(c.pendingFor("S1")).toEqual([]);
    // Nothing more to resend. (The socket dropped soon after its welcome: two seconds.)
    last().drop(1006);
    vi.advanceTimersByTime(2000);
    last().open();
    last().frame(welcome);
    expect(last().types()).toEqual(["subscribe"]);
  });

  it("marks a refused send failed and does not resend it", () => {
    const c = make();
    c.start();
    last().open();
    last().frame(welcome);
    const e = c.send("S1", "message", "x".repeat(10));
    last().frame({ type: "error", code: "too_large", message: "Too long.", client_id: e.clientId, session: "S1" });
    expect(c.pendingFor("S1")[0]).toMatchObject({ state: "failed", error: { code: "too_large", message: "Too long." } });
    last().drop(1006);
    vi.advanceTimersByTime(1000);
    last().open();
    last().frame(welcome);
    expect(last().types()).toEqual([]);
    const again = c.retry(e.clientId);
    expect(again?.clientId).not.toBe(e.clientId);
    expect(last().types()).toEqual(["send"]);
  });

  it("keeps a send refused for speed and sends it, and what followed, when the server said", () => {
    const c = make();
    c.start();
    last().open();
    last().frame(welcome);
    const first = c.send("S1", "message", "one");
    last().frame({ type: "ack", session: "S1", client_id: first.clientId, seq: 1, duplicate: false });
    const fast = c.send("S1", "message", "two");
    last().frame({
      type: "error",
      code: "rate_limited",
      message: "You are sending messages faster than this chat allows.",
      session: "S1",
      client_id: fast.clientId,
      retry_after: 3,
    });
    expect(c.pendingFor("S1").find((e) => e.clientId === fast.clientId)).toMatchObject({ state: "pending", error: null });
    const queued = c.send("S1", "message", "three");
    expect(last().sent.map((f) => f["text"])).toEqual(["one", "two"]);

    vi.advanceTimersByTime(2999);
    expect(last().sent.map((f) => f["text"])).toEqual(["one", "two"]);
    vi.advanceTimersByTime(1);
    expect(last().sent.slice(2)).toEqual([
      { type: "send", session: "S1", client_id: fast.clientId, kind: "message", text: "two" },
      { type: "send", session: "S1", client_id: queued.clientId, kind: "message", text: "three" },
    ]);
    // Later sends go out at once again.
    c.send("S1", "message", "four");
    expect(last().sent.map((f) => f["text"])).toEqual(["one", "two", "two", "three", "four"]);
  });

  it("keeps the outbox across a reload through storage", () => {
    const first = make();
    first.start();
    first.send("S1", "message", "before reload");
    first.stop();
    expect(store.has("outbox")).toBe(true);
    const second = make();
    second.start();
    last().open();
    last().frame(welcome);
    expect(last().sent).toEqual([{ type: "send", session: "S1", client_id: "cid-1", kind: "message", text: "before reload" }]);
    last().frame({ type: "ack", session: "S1", client_id: "cid-1", seq: 9, duplicate: false });
    expect(store.has("outbox")).toBe(false);
  });

  it("drops queued sends of other sessions before flushing", () => {
    const c = make({
      handlers: {
        frame: (f) => {
          if (f.type === "welcome") c.keepOnly((id) => id === "S1");
        },
      },
    });
    c.send("OLD", "message", "for an old session");
    c.send("S1", "message", "for this one");
    c.start();
    last().open();
    last().frame(welcome);
    expect(last().sent.map((f) => f["text"])).toEqual(["for this one"]);
    expect(c.pendingFor("OLD")).toEqual([]);
  });
});
