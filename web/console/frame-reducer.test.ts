import { describe, expect, it } from "vitest";
import { decodeEvent, decodeSession, type SessionEvent } from "../common/protocol";
import {
  amIn,
  applyEvent,
  droppedOutNotice,
  insertEvent,
  newTab,
  queueAdded,
  refusedTab,
  requestAlertText,
  subscribedTab,
} from "./frame-reducer";

const ME = 7;

function session(extra: Record<string, unknown> = {}) {
  return decodeSession({ id: "S1", status: "active", customer: { name: "Dana" }, ...extra });
}

function event(seq: number, extra: Record<string, unknown> = {}): SessionEvent {
  const e = decodeEvent({
    seq,
    at: "2025-01-01T00:00:00Z",
    kind: "message",
    author: { kind: "customer", name: "Dana" },
    body: { text: `m${seq}` },
    ...extra,
  });
  if (e === null) throw new Error("bad event");
  return e;
}

describe("frame reducer", () => {
  it("opens a fresh tab for a session", () => {
    const tab = newTab(session(), 1234);
    expect(tab).toMatchObject({ id: "S1", events: [], unread: 0, openedAt: 1234, to: "everyone", historyUpTo: null });
  });

  it("keeps events in seq order and replaces one seen again", () => {
    const a = insertEvent([], event(1));
    const b = insertEvent(a, event(3));
    const c = insertEvent(b, event(2));
    expect(c.map((e) => e.seq)).toEqual([1, 2, 3]);
    const d = insertEvent(c, event(2, { body: { text: "again" } }));
    expect(d.map((e) => e.body.text)).toEqual(["m1", "again", "m3"]);
  });

  it("marks what came before the first subscription as history, once", () => {
    const tab = { ...newTab(session(), 0), error: "old" };
    const first = subscribedTab(tab, session({ query: "new" }), 5);
    expect(first).toMatchObject({ historyUpTo: 5, error: null, session: { query: "new" } });
    expect(subscribedTab(first, session(), 9).historyUpTo).toBe(5);
  });

  it("shows an error in its tab and ends the tab on session_ended", () => {
    const tab = newTab(session(), 0);
    expect(refusedTab(tab, "invalid_input", "No.")).toMatchObject({ error: "No.", session: { status: "active" } });
    expect(refusedTab(tab, "session_ended", "Over.")).toMatchObject({ error: "Over.", session: { status: "ended" } });
  });

  it("tells whether I am still in a session; a copy without me says nothing", () => {
    const present = session({ attendees: [{ id: ME, name: "Me", role: "primary", present: true }] });
    const gone = session({ attendees: [{ id: ME, name: "Me", role: "primary", present: false }] });
    expect(amIn(present, ME)).toBe(true);
    expect(amIn(gone, ME)).toBe(false);
    expect(amIn(session(), ME)).toBe(true);
    expect(amIn(gone, undefined)).toBe(true);
  });

  it("says who took over, or that I am no longer in", () => {
    const taken = session({
      attendees: [
        { id: ME, name: "Me", role: "invited", present: false },
        { id: 8, name: "Carol Diaz", role: "primary", present: true },
      ],
    });
    expect(droppedOutNotice(taken)).toBe("Carol Diaz took over the session with Dana (S1).");
    expect(droppedOutNotice(session({ customer: { name: "" } }))).toBe(
      "You are no longer in the session with the customer (S1).",
    );
  });

  it("words the new-request alert", () => {
    expect(requestAlertText(session({ portal: { slug: "acme", name: "Acme Support" } }))).toBe(
      "New request from Dana on Acme Support.",
    );
    expect(requestAlertText(session({ customer: { name: "" } }))).toBe("New request from A customer.");
  });

  it("adds a session to the queue last, new only once", () => {
    const one = session();
    const two = session({ id: "S2" });
    const first = queueAdded([one, two], session({ query: "again" }));
    expect(first.isNew).toBe(false);
    expect(first.queue.map((s) => [s.id, s.query])).toEqual([["S2", ""], ["S1", "again"]]);
    const added = queueAdded([one], two);
    expect(added.isNew).toBe(true);
    expect(added.queue.map((s) => s.id)).toEqual(["S1", "S2"]);
  });

  it("counts new messages and notes from others as unread in a tab not selected", () => {
    const tab = newTab(session(), 0);
    const fromCustomer = applyEvent(tab, event(1), ME, false);
    expect(fromCustomer).toMatchObject({ ring: true, clearScreen: false, tab: { unread: 1 } });
    expect(fromCustomer.tab.events.map((e) => e.seq)).toEqual([1]);
    expect(applyEvent(tab, event(1), ME, true)).toMatchObject({ ring: true, tab: { unread: 0 } });
    const note = event(2, { kind: "note", author: { kind: "representative", id: 8, name: "Bob" } });
    expect(applyEvent(tab, note, ME, false)).toMatchObject({ ring: false, tab: { unread: 1 } });
    const mine = event(3, { author: { kind: "representative", id: ME, name: "Me" } });
    expect(applyEvent(tab, mine, ME, false)).toMatchObject({ ring: false, tab: { unread: 0 } });
    const status = event(4, { kind: "status", body: { text: "joined", action: "joined" } });
    expect(applyEvent(tab, status, ME, false)).toMatchObject({ ring: false, tab: { unread: 0 } });
  });

  it("counts nothing from the history", () => {
    const tab = { ...newTab(session(), 0), historyUpTo: 5 };
    expect(applyEvent(tab, event(5), ME, false)).toMatchObject({ ring: false, tab: { unread: 0 } });
    expect(applyEvent(tab, event(6), ME, false)).toMatchObject({ ring: true, tab: { unread: 1 } });
  });

  it("ends the tab's session on an ended note and clears the screen", () => {
    const tab = newTab(session(), 0);
    const ended = event(9, { kind: "status", body: { text: "ended", action: "ended", ended_by: "Alice" } });
    const applied = applyEvent(tab, ended, ME, false);
    expect(applied.clearScreen).toBe(true);
    expect(applied.tab.session).toMatchObject({ status: "ended", ended_by: "Alice" });
    const known = { ...tab, session: { ...tab.session, ended_by: "Bob" } };
    expect(applyEvent(known, ended, ME, false).tab.session.ended_by).toBe("Bob");
    const stopped = event(10, { kind: "status", body: { text: "stopped", action: "screen_stopped" } });
    expect(applyEvent(tab, stopped, ME, false)).toMatchObject({ clearScreen: true, tab: { session: { status: "active" } } });
  });
});
