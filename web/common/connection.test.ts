import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Connection, type ConnectionState, type SocketLike, socketUrl } from "./connection";
import { STABLE_CONNECTION_MS } from "./connection-core";
import type { SessionEvent } from "./protocol";
import type { ServerFrame } from "./protocol-frames";

class FakeSocket implements SocketLike {
  readyState = 0;
  onopen: ((ev: Event) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  sent: Array<Record<string, unknown>> = [];
  binarySent: Uint8Array[] = [];
  binaryType: BinaryType = "blob";
  bufferedAmount = 0;
  closedWith: number | null = null;

  constructor(readonly url: string) {}

  send(data: string | ArrayBufferLike | ArrayBufferView): void {
    if (typeof data === "string") this.sent.push(JSON.parse(data) as Record<string, unknown>);
    else if (data instanceof Uint8Array) this.binarySent.push(data);
  }

  close(code?: number): void {
    this.closedWith = code ?? 1000;
    this.readyState = 3;
  }

  open(): void {
    this.readyState = 1;
    this.onopen?.(new Event("open"));
  }

  frame(value: object): void {
    this.onmessage?.({ data: JSON.stringify(value) } as MessageEvent);
  }

  drop(code: number): void {
    this.readyState = 3;
    this.onclose?.({ code } as CloseEvent);
  }

  types(): unknown[] {
    return this.sent.map((f) => f["type"]);
  }
}

const welcome = { type: "welcome", role: "customer", session: { id: "S1", status: "active" }, heartbeat_seconds: 10 };

function event(seq: number, extra: Partial<Record<keyof SessionEvent, unknown>> = {}) {
  return {
    type: "event",
    session: "S1",
    event: {
      seq,
      at: "2025-01-01T00:00:00Z",
      kind: "message",
      audience: "everyone",
      author: { kind: "customer", name: "C" },
      body: { text: `m${seq}` },
      ...extra,
    },
  };
}

describe("Connection", () => {
  let sockets: FakeSocket[];
  let states: ConnectionState[];
  let events: number[];
  let frames: ServerFrame[];
  let ids: number;
  let store: Map<string, string>;

  const make = (extra: Partial<ConstructorParameters<typeof Connection>[0]> = {}) =>
    new Connection({
      path: "/ws/customer",
      handlers: {
        state: (s) => states.push(s),
        event: (_session, e) => events.push(e.seq),
        frame: (f) => frames.push(f),
      },
      createSocket: (url) => {
        const s = new FakeSocket(url);
        sockets.push(s);
        return s;
      },
      newClientId: () => `cid-${++ids}`,
      random: () => 0.5,
      storage: {
        getItem: (k) => store.get(k) ?? null,
        setItem: (k, v) => void store.set(k, v),
        removeItem: (k) => void store.delete(k),
      },
      storageKey: "outbox",
      ...extra,
    });

  const last = (): FakeSocket => {
    const s = sockets[sockets.length - 1];
    if (s === undefined) throw new Error("no socket");
    return s;
  };

  beforeEach(() => {
    vi.useFakeTimers();
    sockets = [];
    states = [];
    events = [];
    frames = [];
    ids = 0;
    store = new Map();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it("builds the socket URL from the page's location", () => {
    expect(socketUrl("/ws/console", { protocol: "https:", host: "h.example" })).toBe("wss://h.example/ws/console");
    expect(socketUrl("/ws/customer", { protocol: "http:", host: "localhost:8123" })).toBe("ws://localhost:8123/ws/customer");
  });

  it("subscribes after the welcome and drops duplicate events", () => {
    const c = make();
    c.start();
    c.subscribe("S1");
    last().open();
    expect(last().sent).toEqual([]);
    last().frame(welcome);
    expect(last().sent).toEqual([{ type: "subscribe", session: "S1", after: 0 }]);
    c.subscribe("S1");
    expect(last().sent).toHaveLength(1);
    last().frame(event(1));
    last().frame(event(2));
    last().frame(event(2));
    last().frame(event(1));
    expect(events).toEqual([1, 2]);
    expect(states.at(-1)).toEqual({ phase: "open" });
  });

  it("reconnects with backoff and re-subscribes with the last seq", () => {
    const c = make();
    c.start();
    c.subscribe("S1");
    last().open();
    last().frame(welcome);
    last().frame(event(1));
    last().frame(event(5));
    last().drop(1006);
    expect(states.at(-1)).toMatchObject({ phase: "reconnecting", attempt: 1 });
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(999);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(2);
    // Second failure: two seconds.
    last().drop(1006);
    vi.advanceTimersByTime(1999);
    expect(sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(3);
    last().open();
    last().frame(welcome);
    expect(last().sent).toEqual([{ type: "subscribe", session: "S1", after: 5 }]);
    // Replay repeats what was seen: dropped.
    last().frame(event(5));
    last().frame(event(6));
    expect(events).toEqual([1, 5, 6]);
    // A socket that stayed up after its welcome resets the backoff.
    vi.advanceTimersByTime(STABLE_CONNECTION_MS);
    last().drop(1011);
    vi.advanceTimersByTime(1000);
    expect(sockets).toHaveLength(4);
  });

  it("keeps backing off when every socket fails right after its welcome", () => {
    const c = make();
    c.start();
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      last().open();
      last().frame(welcome);
      last().drop(1011);
      const state = c.state;
      if (state.phase !== "reconnecting" || state.retryAt === null) throw new Error("not reconnecting");
      delays.push(state.retryAt - Date.now());
      vi.advanceTimersByTime(state.retryAt - Date.now());
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000]);
  });

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
      error: message,
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
    expect(reloaded.pendingFor("S1")).toMatchObject([{ clientId: poison.clientId, state: "failed", error: message }]);
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
    expect(c.pendingFor("S1")[0]).toMatchObject({ state: "failed", error: "Too long." });
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

  it.each([
    [4001, "logged_out"],
    [4003, "expired"],
    [4002, "ended"],
  ])("close %i is final (%s)", (code, reason) => {
    const c = make();
    c.start();
    last().open();
    last().frame(welcome);
    last().drop(code);
    expect(c.state).toEqual({ phase: "closed", reason });
    vi.advanceTimersByTime(120_000);
    expect(sockets).toHaveLength(1);
  });

  it("pings every heartbeat and reconnects after three silent intervals", () => {
    const c = make();
    c.start();
    last().open();
    last().frame(welcome); // heartbeat_seconds: 10
    vi.advanceTimersByTime(10_000);
    expect(last().types()).toEqual(["ping"]);
    last().frame({ type: "pong" });
    vi.advanceTimersByTime(10_000);
    last().frame({ type: "heartbeat" });
    const first = last();
    vi.advanceTimersByTime(30_000);
    expect(first.closedWith).toBeNull();
    vi.advanceTimersByTime(1_100);
    expect(first.closedWith).not.toBeNull();
    expect(c.state.phase).toBe("reconnecting");
    vi.advanceTimersByTime(1000);
    expect(sockets).toHaveLength(2);
  });

  it("asks the probe when the handshake is refused", async () => {
    const c = make({ probe: () => Promise.resolve("auth") });
    c.start();
    last().drop(1006);
    await vi.runAllTimersAsync();
    expect(c.state).toEqual({ phase: "closed", reason: "expired" });
    expect(sockets).toHaveLength(1);
  });

  it("retries when the probe says the server is just away", async () => {
    const c = make({ probe: () => Promise.resolve("retry") });
    c.start();
    last().drop(1006);
    await vi.advanceTimersByTimeAsync(1000);
    expect(sockets).toHaveLength(2);
    expect(c.state.phase).toBe("reconnecting");
  });

  it("passes other frames to the app and ignores garbage", () => {
    const c = make();
    c.start();
    last().open();
    last().onmessage?.({ data: "not json" } as MessageEvent);
    last().frame({ type: "mystery" });
    last().frame(welcome);
    last().frame({ type: "session", session: { id: "S1", status: "ended", ended_by: "Alice" } });
    expect(frames.map((f) => f.type)).toEqual(["welcome", "session"]);
    expect(c.isReady).toBe(true);
  });

  it("hands binary messages to the app and sends control frames and binary only while open", () => {
    const binaries: ArrayBuffer[] = [];
    const c = make({
      handlers: { binary: (data) => binaries.push(data), frame: (f) => frames.push(f) },
    });
    c.start();
    expect(last().binaryType).toBe("arraybuffer");
    last().open();
    expect(c.sendControl({ type: "watch", session: "S1" })).toBe(false);
    expect(c.sendBinary(new Uint8Array([1, 2]))).toBe(false);
    last().frame(welcome);
    const bytes = new Uint8Array([1, 0, 2, 123, 125]).buffer;
    last().onmessage?.({ data: bytes } as MessageEvent);
    expect(binaries).toEqual([bytes]);
    expect(c.sendControl({ type: "screen", session: "S1", sharing: false })).toBe(true);
    expect(last().sent.at(-1)).toEqual({ type: "screen", session: "S1", sharing: false });
    expect(c.sendBinary(new Uint8Array([9]))).toBe(true);
    expect(last().binarySent).toEqual([new Uint8Array([9])]);
    last().bufferedAmount = 4096;
    expect(c.bufferedAmount).toBe(4096);
    last().frame({ type: "screen_watch", session: "S1" });
    expect(frames.at(-1)).toEqual({ type: "screen_watch", session: "S1" });
  });
});
