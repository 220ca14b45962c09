import { describe, expect, it } from "vitest";
import type { SessionEvent } from "./protocol";
import { pendingScreenRequest, screenStatus } from "./screen-status";

function ev(seq: number, kind: SessionEvent["kind"], body: Record<string, string>, author = "Bob"): SessionEvent {
  return {
    seq,
    at: "2025-01-01T00:00:00Z",
    kind,
    audience: "everyone",
    to: null,
    author: { kind: "representative", id: 1, name: author },
    body: { text: body["text"] ?? "", action: body["action"] ?? null, ...body },
    internal: {},
    masked: false,
    client_id: null,
  };
}

const asked = (seq: number, id: string) =>
  ev(seq, "consent_requested", { request_id: id, consent: "screen", text: "Bob asks to see your screen." });
const answered = (seq: number, id: string, answer: "allowed" | "declined") =>
  ev(seq, "consent_answered", { request_id: id, consent: "screen", answer }, "Dana");
const note = (seq: number, action: string) => ev(seq, "status", { action, text: action }, "Dana");

describe("the screen's status from the log", () => {
  it("goes from not shared to asked, allowed, shared and stopped", () => {
    expect(screenStatus([]).text).toBe("Not shared");
    const log = [asked(1, "r1")];
    expect(screenStatus(log)).toEqual({ state: "requested", requestId: "r1", text: "Waiting for the customer…" });
    log.push(answered(2, "r1", "allowed"));
    expect(screenStatus(log).state).toBe("allowed");
    log.push(note(3, "screen_started"));
    expect(screenStatus(log).text).toBe("Shared");
    log.push(note(4, "screen_stopped"));
    expect(screenStatus(log).text).toBe("Stopped by the customer");
  });

  it("says declined, and a new request waits again", () => {
    const log = [asked(1, "r1"), answered(2, "r1", "declined")];
    expect(screenStatus(log).text).toBe("Declined by the customer");
    log.push(asked(3, "r2"));
    expect(screenStatus(log)).toMatchObject({ state: "requested", requestId: "r2" });
    // A late answer to the old request does not count for the new one.
    log.push(answered(4, "r1", "allowed"));
    expect(screenStatus(log).state).toBe("requested");
  });

  it("keeps sharing through another request and its answer", () => {
    const log = [asked(1, "r1"), answered(2, "r1", "allowed"), note(3, "screen_started"), asked(4, "r2")];
    expect(screenStatus(log).state).toBe("sharing");
    log.push(answered(5, "r2", "declined"));
    expect(screenStatus(log).state).toBe("sharing");
  });

  it("shares nothing once the session ended", () => {
    expect(screenStatus([asked(1, "r1"), note(2, "ended")]).state).toBe("none");
    expect(screenStatus([note(1, "screen_started"), note(2, "ended")]).state).toBe("none");
  });

  it("ignores consent requests for other things", () => {
    const other = ev(1, "consent_requested", { request_id: "f1", consent: "file" });
    expect(screenStatus([other]).state).toBe("none");
    expect(pendingScreenRequest([other])).toBeNull();
  });
});

describe("the request the customer answers", () => {
  it("is the newest unanswered one", () => {
    expect(pendingScreenRequest([asked(1, "r1")])).toEqual({
      requestId: "r1",
      from: "Bob",
      text: "Bob asks to see your screen.",
      seq: 1,
    });
    expect(pendingScreenRequest([asked(1, "r1"), answered(2, "r1", "declined")])).toBeNull();
    // A newer request supersedes an older one; answering it leaves nothing pending.
    expect(pendingScreenRequest([asked(1, "r1"), asked(2, "r2")])?.requestId).toBe("r2");
    expect(pendingScreenRequest([asked(1, "r1"), asked(2, "r2"), answered(3, "r2", "allowed")])).toBeNull();
  });

  it("is gone once answered here, or when the session ended", () => {
    expect(pendingScreenRequest([asked(1, "r1")], new Set(["r1"]))).toBeNull();
    expect(pendingScreenRequest([asked(1, "r1"), note(2, "ended")])).toBeNull();
  });
});
