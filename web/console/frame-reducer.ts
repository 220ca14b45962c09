/**
 * The pure part of the console's frame handling: how a tab, the queue and the notices
 * change with each frame and event, with no signals, sockets or timers, so that every
 * rule is unit-tested (frame-reducer.test.ts). frames.ts applies these to the signals.
 */

import type { Session, SessionEvent } from "../common/protocol";
import type { Tab } from "./state";

/** A fresh tab for `session`, opened at `openedAt` (ms). */
export function newTab(session: Session, openedAt: number): Tab {
  return {
    id: session.id,
    session,
    events: [],
    unread: 0,
    openedAt,
    localLastSent: null,
    draft: "",
    noteDraft: "",
    to: "everyone",
    historyUpTo: null,
    error: null,
  };
}

/** `events` with `event` in seq order, replacing one with the same seq. */
export function insertEvent(events: SessionEvent[], event: SessionEvent): SessionEvent[] {
  const lastEvent = events[events.length - 1];
  if (lastEvent === undefined || lastEvent.seq < event.seq) return [...events, event];
  const out = events.filter((e) => e.seq !== event.seq);
  out.push(event);
  out.sort((a, b) => a.seq - b.seq);
  return out;
}

/** `subscribed`: the session as it is now; what came before `lastSeq` is history (not unread). */
export function subscribedTab(tab: Tab, session: Session, lastSeq: number): Tab {
  return { ...tab, session, historyUpTo: tab.historyUpTo ?? lastSeq, error: null };
}

/** An `error` about a tab's session: shown in the tab; `session_ended` also ends it. */
export function refusedTab(tab: Tab, code: string, message: string): Tab {
  const next: Tab = { ...tab, error: message };
  return code === "session_ended" ? { ...next, session: { ...next.session, status: "ended" } } : next;
}

/** Whether I (`myId`) am still in `session`; a copy that does not list me says nothing. */
export function amIn(session: Session, myId: number | undefined): boolean {
  const mine = session.attendees.find((a) => a.id !== null && a.id === myId);
  return mine === undefined ? true : mine.present;
}

/** What to say when I am no longer in `session` without having asked for it here. */
export function droppedOutNotice(session: Session): string {
  const who = session.customer.name || "the customer";
  const primary = session.attendees.find((a) => a.present && a.role === "primary");
  return primary !== undefined
    ? `${primary.name} took over the session with ${who} (${session.id}).`
    : `You are no longer in the session with ${who} (${session.id}).`;
}

/** The text of the alert for a new request. */
export function requestAlertText(session: Session): string {
  const name = session.customer.name || "A customer";
  const where = session.portal !== null ? ` on ${session.portal.name}` : "";
  return `New request from ${name}${where}.`;
}

/** A `queue` frame that adds `session`: it goes last; `isNew` when it was not there (alert). */
export function queueAdded(queue: Session[], session: Session): { queue: Session[]; isNew: boolean } {
  const isNew = !queue.some((s) => s.id === session.id);
  return { queue: [...queue.filter((s) => s.id !== session.id), session], isNew };
}

export interface EventApplied {
  tab: Tab;
  /** A new message from someone else: the chat sound (if the preference says so). */
  ring: boolean;
  /** The screen stopped or the session ended: drop its pictures. */
  clearScreen: boolean;
}

/**
 * A new event of a tab's session. It counts as unread when it is new (after the
 * history), not mine, a message or note, and its tab is not the selected one (`active`).
 */
export function applyEvent(tab: Tab, event: SessionEvent, myId: number | undefined, active: boolean): EventApplied {
  const mine = event.author.kind === "representative" && event.author.id === myId;
  const isNew = tab.historyUpTo === null || event.seq > tab.historyUpTo;
  const chatty = event.kind === "message" || event.kind === "note";
  const next: Tab = { ...tab, events: insertEvent(tab.events, event) };
  if (isNew && !mine && chatty && !active) next.unread = tab.unread + 1;
  if (event.kind === "status" && event.body.action === "ended") {
    next.session = {
      ...tab.session,
      status: "ended",
      ended_by: tab.session.ended_by ?? strOrNull(event.body["ended_by"]),
    };
  }
  return {
    tab: next,
    ring: isNew && !mine && event.kind === "message",
    clearScreen: event.kind === "status" && (event.body.action === "screen_stopped" || event.body.action === "ended"),
  };
}

function strOrNull(value: string | number | boolean | null | undefined): string | null {
  return typeof value === "string" ? value : null;
}
