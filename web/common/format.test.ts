import { describe, expect, it } from "vitest";
import { formatCountdown, groupCode, normalizeCode, parseTime, plural } from "./format";
import { idleLabel, idleLevel, idleSeconds, idleSince, joinedAtFromEvents, lastMessageAtFromEvents } from "./idle";
import type { SessionEvent } from "./protocol";

describe("format", () => {
  it("groups a session code in threes", () => {
    expect(groupCode("123456789")).toBe("123 456 789");
    expect(groupCode("012345678")).toBe("012 345 678");
    expect(groupCode("12345")).toBe("12345");
  });

  it("reads back what a customer types as a code", () => {
    expect(normalizeCode("123 456 789")).toBe("123456789");
    expect(normalizeCode(" 123-456-789 ")).toBe("123456789");
    expect(normalizeCode("12345678")).toBeNull();
    expect(normalizeCode("12345678a")).toBeNull();
  });

  it("counts down", () => {
    expect(formatCountdown(19 * 60_000 + 42_000)).toBe("19:42");
    expect(formatCountdown(5_000)).toBe("0:05");
    expect(formatCountdown(-100)).toBe("0:00");
    expect(formatCountdown(3_723_000)).toBe("1:02:03");
  });

  it("parses times", () => {
    expect(parseTime("2025-01-01T00:00:00Z")).toBe(Date.UTC(2025, 0, 1));
    expect(parseTime("nope")).toBeNull();
    expect(parseTime(null)).toBeNull();
  });

  it("pluralizes", () => {
    expect(plural(1, "second")).toBe("1 second");
    expect(plural(2, "second")).toBe("2 seconds");
  });
});

const me = { id: 3, name: "Alice" };

function ev(partial: Partial<SessionEvent> & { seq: number; at: string }): SessionEvent {
  return {
    kind: "message",
    audience: "everyone",
    to: null,
    author: { kind: "representative", id: 3, name: "Alice" },
    body: { text: "hi", action: null },
    internal: {},
    masked: false,
    client_id: null,
    ...partial,
  };
}

describe("idle", () => {
  it("colors by thresholds", () => {
    expect(idleLevel(0, 60, 120)).toBe("green");
    expect(idleLevel(59, 60, 120)).toBe("green");
    expect(idleLevel(60, 60, 120)).toBe("yellow");
    expect(idleLevel(119, 60, 120)).toBe("yellow");
    expect(idleLevel(120, 60, 120)).toBe("red");
  });

  it("says it in words", () => {
    expect(idleLabel(75)).toBe("Last message to customer 75 seconds ago");
    expect(idleLabel(1)).toBe("Last message to customer 1 second ago");
  });

  it("counts only my messages to everyone", () => {
    const events = [
      ev({ seq: 1, at: "2025-01-01T10:00:00Z" }),
      ev({ seq: 2, at: "2025-01-01T10:05:00Z", audience: "representatives" }),
      ev({ seq: 3, at: "2025-01-01T10:06:00Z", kind: "note" }),
      ev({ seq: 4, at: "2025-01-01T10:07:00Z", author: { kind: "representative", id: 9, name: "Bob" } }),
      ev({ seq: 5, at: "2025-01-01T10:08:00Z", author: { kind: "customer", id: null, name: "Carol" } }),
    ];
    expect(lastMessageAtFromEvents(events, me)).toBe(Date.UTC(2025, 0, 1, 10, 0, 0));
  });

  it("counts from when I joined before I have written", () => {
    const events = [
      ev({
        seq: 1,
        at: "2025-01-01T09:00:00Z",
        kind: "status",
        author: { kind: "system", id: null, name: "Helpline" },
        body: { text: "Bob picked up the session.", action: "picked_up", rep_name: "Bob" },
      }),
      ev({
        seq: 2,
        at: "2025-01-01T09:30:00Z",
        kind: "status",
        author: { kind: "system", id: null, name: "Helpline" },
        body: { text: "Alice joined the session.", action: "rep_joined", rep_name: "Alice" },
      }),
    ];
    expect(joinedAtFromEvents(events, me)).toBe(Date.UTC(2025, 0, 1, 9, 30));
    expect(idleSince(events, [], me, null, 0)).toBe(Date.UTC(2025, 0, 1, 9, 30));
    // The attendee's joined_at wins when the server sends it.
    const attendees = [{ id: 3, name: "Alice", role: "invited" as const, masked: false, present: true, joined_at: "2025-01-01T09:31:00Z" }];
    expect(idleSince(events, attendees, me, null, 0)).toBe(Date.UTC(2025, 0, 1, 9, 31));
    // With nothing known, the fallback (when the tab opened).
    expect(idleSince([], [], me, null, 1234)).toBe(1234);
  });

  it("prefers the newest of the log and a local send", () => {
    const events = [ev({ seq: 1, at: "2025-01-01T10:00:00Z" })];
    const later = Date.UTC(2025, 0, 1, 10, 1);
    expect(idleSince(events, [], me, later, 0)).toBe(later);
    expect(idleSince(events, [], me, 5, 0)).toBe(Date.UTC(2025, 0, 1, 10, 0));
  });

  it("never counts negative seconds", () => {
    expect(idleSeconds(1000, 5000)).toBe(0);
    expect(idleSeconds(76_500, 1_000)).toBe(75);
  });
});
