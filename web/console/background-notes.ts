/**
 * What reaches a representative whose console is in the background: a desktop
 * notification for a new request, an invitation, a transfer and a customer's message
 * (only while the page is hidden, and only once they allowed notifications from a
 * click), and the count on the favicon. The notes' words are pure and tested; showing
 * them is at the edge, in `showNote`.
 */

import type { Session, SessionEvent } from "../common/protocol";
import type { Invitation } from "../common/protocol-bodies";

export interface BackgroundNote {
  title: string;
  body: string;
  /** One notification per tag: a newer one with the same tag replaces it. */
  tag: string;
  /** The session a click opens. */
  sessionId: string | null;
}

const MAX_BODY = 140;

function cut(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > MAX_BODY ? `${flat.slice(0, MAX_BODY - 1)}…` : flat;
}

function customerName(session: Session): string {
  return session.customer.name || "A customer";
}

export function requestNote(session: Session): BackgroundNote {
  const where = session.portal !== null ? ` on ${session.portal.name}` : "";
  return {
    title: `${customerName(session)} asks for help${where}`,
    body: cut(session.query || "Waiting for a representative."),
    tag: `request-${session.id}`,
    sessionId: null,
  };
}

export function invitationNote(invitation: Invitation): BackgroundNote {
  const from = invitation.from || "A colleague";
  const customer = invitation.session.customer || "a customer";
  const title =
    invitation.kind === "transfer"
      ? `${from} asks you to take over ${customer}'s session`
      : `${from} invites you to ${customer}'s session`;
  return {
    title,
    body: cut(invitation.comment || invitation.session.query || `Session ${invitation.session.id}`),
    tag: `invitation-${invitation.id}`,
    sessionId: null,
  };
}

/** A message from the customer of a session I am in; null for anything else. */
export function messageNote(session: Session, event: SessionEvent): BackgroundNote | null {
  if (event.kind !== "message" || event.author.kind !== "customer") return null;
  return {
    title: `${event.author.name || customerName(session)} wrote`,
    body: cut(event.body.text),
    tag: `message-${session.id}`,
    sessionId: session.id,
  };
}

/** The favicon's number: what waits for me. */
export function waitingCount(alerts: number, invitations: number, unread: number): number {
  return alerts + invitations + unread;
}

/** The text on the favicon's badge: nothing, 1 to 9, or "9+". */
export function badgeText(count: number): string {
  if (count <= 0) return "";
  return count > 9 ? "9+" : String(count);
}
