import { describe, expect, it } from "vitest";
import {
  BACKOFF_MAX_MS,
  MAX_STRIKES,
  Outbox,
  STABLE_CONNECTION_MS,
  SeqTracker,
  attemptAfterClose,
  backoffDelay,
  isTransientError,
  closeAction,
  isSilent,
  restoreEntries,
  sendFrame,
} from "./connection-core";

describe("SeqTracker", () => {
  it("starts at zero and remembers the highest seq per session", () => {
    const t = new SeqTracker();
    expect(t.lastSeq("A")).toBe(0);
    expect(t.accept("A", 1)).toBe(true);
    expect(t.accept("A", 4)).toBe(true);
    expect(t.accept("B", 2)).toBe(true);
    expect(t.lastSeq("A")).toBe(4);
    expect(t.lastSeq("B")).toBe(2);
  });

  it("drops a seq it has seen", () => {
    const t = new SeqTracker();
    expect(t.accept("A", 3)).toBe(true);
    expect(t.accept("A", 3)).toBe(false);
    expect(t.has("A", 3)).toBe(true);
    expect(t.has("B", 3)).toBe(false);
  });

  it("accepts holes and a late lower seq without lowering the last seq", () => {
    const t = new SeqTracker();
    t.accept("A", 5);
    expect(t.accept("A", 2)).toBe(true);
    expect(t.lastSeq("A")).toBe(5);
    expect(t.accept("A", 2)).toBe(false);
  });

  it("forgets a session", () => {
    const t = new SeqTracker();
    t.accept("A", 5);
    t.forget("A");
    expect(t.lastSeq("A")).toBe(0);
    expect(t.accept("A", 5)).toBe(true);
  });

  it("replay after reconnect shows each event once", () => {
    const t = new SeqTracker();
    const shown: number[] = [];
    for (const seq of [1, 2, 3]) if (t.accept("A", seq)) shown.push(seq);
    // The server replays after the last seq, and at-least-once may repeat some.
    for (const seq of [3, 4, 4, 5]) if (t.accept("A", seq)) shown.push(seq);
    expect(shown).toEqual([1, 2, 3, 4, 5]);
  });
});

describe("Outbox", () => {
  const entry = (clientId: string, session = "S1") => ({
    clientId,
    session,
    kind: "message" as const,
    text: `text ${clientId}`,
    createdAt: 1000,
  });

  it("keeps sends pending until their ack, in order", () => {
    const o = new Outbox();
    o.add(entry("a"));
    o.add(entry("b"));
    expect(o.unacknowledged().map((e) => e.clientId)).toEqual(["a", "b"]);
    const acked = o.ack("a", 7);
    expect(acked?.state).toBe("acked");
    expect(acked?.seq).toBe(7);
    expect(o.unacknowledged().map((e) => e.clientId)).toEqual(["b"]);
    // Still shown until its event arrives.
    expect(o.forSession("S1").map((e) => e.clientId)).toEqual(["a", "b"]);
  });

  it("drops an acked entry when its event is seen, by seq", () => {
    const o = new Outbox();
    o.add(entry("a"));
    o.ack("a", 7);
    expect(o.resolve("S1", 6, null)).toBe(false);
    expect(o.resolve("S1", 7, null)).toBe(true);
    expect(o.size).toBe(0);
  });

  it("drops an entry when an event carries its client id, even before the ack", () => {
    const o = new Outbox();
    o.add(entry("a"));
    expect(o.resolve("S1", 9, "a")).toBe(true);
    expect(o.ack("a", 9)).toBeUndefined();
  });

  it("does not confuse sessions", () => {
    const o = new Outbox();
    o.add(entry("a", "S1"));
    o.ack("a", 3);
    expect(o.resolve("S2", 3, null)).toBe(false);
    expect(o.forSession("S2")).toEqual([]);
    expect(o.forSession("S1")).toHaveLength(1);
  });

  it("ignores acks for client ids it does not hold", () => {
    const o = new Outbox();
    expect(o.ack("zzz", 1)).toBeUndefined();
  });

  it("marks a refused send failed and never resends it", () => {
    const o = new Outbox();
    o.add(entry("a"));
    const failed = o.fail("a", { code: "too_large", message: "A message has at most 4000 characters." });
    expect(failed?.state).toBe("failed");
    expect(failed?.error?.message).toContain("4000");
    expect(o.unacknowledged()).toEqual([]);
    expect(o.forSession("S1")).toHaveLength(1);
  });

  it("fails a send refused with a final error, with the reason, and keeps one refused for now", () => {
    const o = new Outbox();
    o.add(entry("poison"));
    o.add(entry("busy"));
    const poison = { code: "invalid_input", message: "This message holds a character that cannot be stored." };
    expect(o.refuse("poison", poison)).toMatchObject({ state: "failed", error: poison });
    for (const code of ["rate_limited", "unavailable"]) {
      const busy = { code, message: "Too many messages; wait a moment." };
      expect(o.refuse("busy", busy)).toMatchObject({ state: "pending", error: busy });
    }
    expect(o.unacknowledged().map((e) => e.clientId)).toEqual(["busy"]);
    // Once acknowledged, the note of the delay goes.
    expect(o.ack("busy", 7)).toMatchObject({ state: "acked", error: null });
  });

  it("tells final errors from transient ones", () => {
    for (const code of ["invalid_input", "invalid_frame", "too_large", "forbidden", "session_ended", "not_found"]) {
      expect(isTransientError(code)).toBe(false);
    }
    expect(isTransientError("rate_limited")).toBe(true);
    expect(isTransientError("unavailable")).toBe(true);
  });

  it("gives up a send the server failed on MAX_STRIKES times, and keeps the count across a reload", () => {
    const o = new Outbox();
    o.add(entry("poison"));
    expect(o.strike("poison")).toMatchObject({ state: "pending", strikes: 1 });
    const stored = restoreEntries(JSON.parse(JSON.stringify(o.all())));
    const reloaded = new Outbox(stored);
    expect(reloaded.get("poison")?.strikes).toBe(MAX_STRIKES - 1);
    const given = reloaded.strike("poison");
    expect(given?.state).toBe("failed");
    expect(given?.error).toMatchObject({ code: "server_failed", message: expect.stringMatching(/could not take this message/) });
    expect(reloaded.unacknowledged()).toEqual([]);
    // Only pending sends are struck.
    expect(reloaded.strike("poison")?.strikes).toBe(MAX_STRIKES);
  });

  it("does not fail an entry that was already acknowledged", () => {
    const o = new Outbox();
    o.add(entry("a"));
    o.ack("a", 2);
    expect(o.fail("a", { code: "conflict", message: "late error" })?.state).toBe("acked");
  });

  it("builds send frames with the same client id every time, `to` only for messages", () => {
    const o = new Outbox();
    const m = o.add({ ...entry("a"), to: 4 });
    const n = o.add({ ...entry("b"), kind: "note", to: "representatives" });
    expect(sendFrame(m)).toEqual({ type: "send", session: "S1", client_id: "a", kind: "message", text: "text a", to: 4 });
    expect(sendFrame(m)).toEqual(sendFrame(m));
    expect(sendFrame(n)).toEqual({ type: "send", session: "S1", client_id: "b", kind: "note", text: "text b" });
  });

  it("restores stored entries as pending, skipping acked and malformed ones", () => {
    const restored = restoreEntries([
      { clientId: "a", session: "S", kind: "message", text: "hi", to: "everyone", createdAt: 5, state: "pending" },
      { clientId: "b", session: "S", kind: "note", text: "n", createdAt: 6, state: "acked", seq: 3 },
      { clientId: "c", session: "S", kind: "shout", text: "x" },
      { clientId: 3, session: "S", kind: "message", text: "x" },
      "junk",
      { clientId: "d", session: "S", kind: "message", text: "no", state: "failed", error: "Nope." },
    ]);
    expect(restored.map((e) => [e.clientId, e.state])).toEqual([
      ["a", "pending"],
      ["d", "failed"],
    ]);
    expect(restoreEntries("nonsense")).toEqual([]);
  });
});

describe("backoffDelay", () => {
  it("starts near one second and doubles", () => {
    const mid = () => 0.5;
    expect(backoffDelay(0, mid)).toBe(1000);
    expect(backoffDelay(1, mid)).toBe(2000);
    expect(backoffDelay(2, mid)).toBe(4000);
    expect(backoffDelay(4, mid)).toBe(16000);
  });

  it("never exceeds thirty seconds, however many attempts", () => {
    for (const r of [0, 0.5, 0.999]) {
      for (let attempt = 0; attempt < 100; attempt++) {
        expect(backoffDelay(attempt, () => r)).toBeLessThanOrEqual(BACKOFF_MAX_MS);
      }
    }
    expect(backoffDelay(50, () => 0.5)).toBe(30000);
  });

  it("spreads delays with jitter", () => {
    expect(backoffDelay(1, () => 0)).toBe(1500);
    expect(backoffDelay(1, () => 0.999)).toBeGreaterThan(2400);
    expect(backoffDelay(0, () => 0)).toBeGreaterThanOrEqual(750);
  });
});

describe("attemptAfterClose", () => {
  it("starts the backoff over only after a socket stayed up for a while", () => {
    expect(attemptAfterClose(4, null)).toBe(4);
    expect(attemptAfterClose(4, 300)).toBe(4);
    expect(attemptAfterClose(4, STABLE_CONNECTION_MS - 1)).toBe(4);
    expect(attemptAfterClose(4, STABLE_CONNECTION_MS)).toBe(0);
  });
});

describe("closeAction", () => {
  it("answers the protocol's close codes", () => {
    expect(closeAction(4001).kind).toBe("logged_out");
    expect(closeAction(4003).kind).toBe("expired");
    expect(closeAction(4002).kind).toBe("ended");
    for (const code of [4008, 1009, 1000, 1001, 1006, 1011, 4999]) {
      expect(closeAction(code).kind).toBe("reconnect");
    }
  });
});

describe("isSilent", () => {
  it("is silent only after three heartbeat intervals without a frame", () => {
    expect(isSilent(75_000, 0, 25)).toBe(false);
    expect(isSilent(75_001, 0, 25)).toBe(true);
    expect(isSilent(10_000, 9_000, 1)).toBe(false);
    expect(isSilent(12_500, 9_000, 1)).toBe(true);
  });
});
