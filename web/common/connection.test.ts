import { describe, expect, it, vi } from "vitest";
import { socketUrl } from "./connection";
import { STABLE_CONNECTION_MS } from "./connection-core";
import { event, useConnectionHarness, welcome } from "./connection-test-kit";

// The socket's life: subscribing, reconnecting, close codes, heartbeats, the probe,
// frames and binary messages. The outbox's rules are in connection-sends.test.ts.
describe("Connection", () => {
  const { sockets, states, events, frames, make, last } = useConnectionHarness();

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

  it("comes back when the server says after a storm, with jitter, and keeps its backoff", () => {
    const c = make({ random: () => 0.5 });
    c.start();
    last().open();
    last().drop(1006);
    vi.advanceTimersByTime(1000);
    expect(sockets).toHaveLength(2);
    // Turned away: 2,500 ms plus a tenth (half of the fifth at most), not the backoff.
    last().open();
    last().drop(1013, "2500");
    expect(c.state).toMatchObject({ phase: "reconnecting", retryAt: Date.now() + 2750 });
    vi.advanceTimersByTime(2749);
    expect(sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(3);
    // A failure after that backs off as the next attempt: two seconds, not one.
    last().drop(1006);
    vi.advanceTimersByTime(1999);
    expect(sockets).toHaveLength(3);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(4);
  });

  it("backs off as usual from a 1013 without a time", () => {
    const c = make();
    c.start();
    last().open();
    last().drop(1013, "busy");
    vi.advanceTimersByTime(999);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(2);
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
