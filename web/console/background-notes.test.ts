import { describe, expect, it } from "vitest";
import { decodeEvent, decodeSession, type Session, type SessionEvent } from "../common/protocol";
import type { Invitation } from "../common/protocol-bodies";
import { badgeText, invitationNote, messageNote, requestNote, waitingCount } from "./background-notes";

function session(over: Record<string, unknown> = {}): Session {
  const s = decodeSession({
    id: "AHEC-GT4C",
    status: "waiting",
    started_at: "2026-12-04T10:00:00Z",
    portal: { slug: "printers", name: "Printers" },
    customer: { name: "Dana" },
    query: "The printer prints blank pages",
    attendees: [],
    ...over,
  });
  if (s === null) throw new Error("bad session");
  return s;
}

function event(kind: string, author: Record<string, unknown>, text: string): SessionEvent {
  const e = decodeEvent({ seq: 7, at: "2026-12-04T10:01:00Z", kind, author, body: { text } });
  if (e === null) throw new Error("bad event");
  return e;
}

const invitation = (over: Partial<Invitation> = {}): Invitation => ({
  id: 12,
  kind: "invite",
  session: { id: "AHEC-GT4C", customer: "Dana", query: "Blank pages" },
  from: "Alice Wong",
  from_id: 1,
  portal: null,
  masked: false,
  comment: "",
  expires_at: "2026-12-04T10:00:30Z",
  ...over,
});

describe("what a representative in the background is told", () => {
  it("names who asks for help, where, and what they asked", () => {
    expect(requestNote(session())).toEqual({
      title: "Dana asks for help on Printers",
      body: "The printer prints blank pages",
      tag: "request-AHEC-GT4C",
      sessionId: null,
    });
    const bare = requestNote(session({ portal: null, customer: { name: "" }, query: "" }));
    expect(bare.title).toBe("A customer asks for help");
    expect(bare.body).toBe("Waiting for a representative.");
  });

  it("tells an invitation from a transfer, with the colleague's comment", () => {
    expect(invitationNote(invitation()).title).toBe("Alice Wong invites you to Dana's session");
    expect(invitationNote(invitation()).body).toBe("Blank pages");
    const transfer = invitationNote(invitation({ kind: "transfer", comment: "Needs a Linux expert" }));
    expect(transfer.title).toBe("Alice Wong asks you to take over Dana's session");
    expect(transfer.body).toBe("Needs a Linux expert");
  });

  it("passes on the customer's messages only, short and on one line", () => {
    const long = `First line\n\n${"word ".repeat(60)}`;
    const note = messageNote(session(), event("message", { kind: "customer", name: "Dana" }, long));
    expect(note?.title).toBe("Dana wrote");
    expect(note?.sessionId).toBe("AHEC-GT4C");
    expect(note?.body.startsWith("First line word word")).toBe(true);
    expect(note?.body.length).toBe(140);
    expect(note?.body.endsWith("…")).toBe(true);
    expect(messageNote(session(), event("message", { kind: "representative", name: "Bob", id: 2 }, "hi"))).toBeNull();
    expect(messageNote(session(), event("note", { kind: "customer", name: "Dana" }, "hi"))).toBeNull();
  });

  it("counts what waits on the favicon, up to 9+", () => {
    expect(waitingCount(1, 2, 3)).toBe(6);
    expect(badgeText(0)).toBe("");
    expect(badgeText(7)).toBe("7");
    expect(badgeText(10)).toBe("9+");
  });
});
