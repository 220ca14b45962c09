/**
 * Where the customer's screen stands, read from a session's log: the console's pane
 * and Viewer show it, the customer's window finds the request it still has to answer.
 * Pure.
 */

import type { SessionEvent } from "./protocol";

export type ScreenState = "none" | "requested" | "allowed" | "declined" | "sharing" | "stopped";

export interface ScreenStatus {
  state: ScreenState;
  /** The newest request to see the screen, if any. */
  requestId: string | null;
  text: string;
}

export const SCREEN_STATE_TEXT: Readonly<Record<ScreenState, string>> = {
  none: "Not shared",
  requested: "Waiting for the customer…",
  allowed: "Waiting for the customer…",
  declined: "Declined by the customer",
  sharing: "Shared",
  stopped: "Stopped by the customer",
};

function isScreenConsent(e: SessionEvent): boolean {
  return e.body["consent"] === "screen";
}

function requestIdOf(e: SessionEvent): string | null {
  const v = e.body["request_id"];
  return typeof v === "string" && v !== "" ? v : null;
}

/**
 * Where the customer's screen stands, from the status notes: asked, allowed or
 * declined, shared, stopped. Sharing wins over a later request; an ended session
 * shares nothing.
 */
export function screenStatus(events: readonly SessionEvent[]): ScreenStatus {
  let state: ScreenState = "none";
  let requestId: string | null = null;
  let sharing = false;
  for (const e of events) {
    if (e.kind === "consent_requested" && isScreenConsent(e)) {
      requestId = requestIdOf(e) ?? requestId;
      if (!sharing) state = "requested";
    } else if (e.kind === "consent_answered" && isScreenConsent(e)) {
      const id = requestIdOf(e);
      if (!sharing && (requestId === null || id === requestId)) {
        state = e.body["answer"] === "allowed" ? "allowed" : "declined";
      }
    } else if (e.kind === "status") {
      const action = e.body.action;
      if (action === "screen_started") {
        sharing = true;
        state = "sharing";
      } else if (action === "screen_stopped") {
        sharing = false;
        state = "stopped";
      } else if (action === "ended") {
        if (sharing || state === "requested" || state === "allowed") state = "none";
        sharing = false;
      }
    }
  }
  return { state, requestId, text: SCREEN_STATE_TEXT[state] };
}

export interface ScreenRequest {
  requestId: string;
  /** Who asks, e.g. "Alice Martin". */
  from: string;
  /** The note's sentence, e.g. "Alice Martin asks to see the customer's screen." */
  text: string;
  seq: number;
}

/**
 * The request to see the screen the customer still has to answer: the newest one,
 * unless it was answered (in the log or just now, `answered`) or the session ended.
 * An older request is superseded by a newer one.
 */
export function pendingScreenRequest(
  events: readonly SessionEvent[],
  answered: ReadonlySet<string> = new Set(),
): ScreenRequest | null {
  let newest: ScreenRequest | null = null;
  const replied = new Set<string>();
  for (const e of events) {
    if (e.kind === "consent_requested" && isScreenConsent(e)) {
      const id = requestIdOf(e);
      if (id !== null) newest = { requestId: id, from: e.author.name, text: e.body.text, seq: e.seq };
    } else if (e.kind === "consent_answered") {
      const id = requestIdOf(e);
      if (id !== null) replied.add(id);
    } else if (e.kind === "status" && e.body.action === "ended") {
      return null;
    }
  }
  if (newest === null || replied.has(newest.requestId) || answered.has(newest.requestId)) return null;
  return newest;
}
