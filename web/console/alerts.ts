/**
 * The console's alerts: new requests in the queue and invitations from colleagues,
 * their expiry (the once-a-second tick) and the count in the page title. Split from
 * the store because frames, actions and the login all raise or clear them.
 */

import { parseTime } from "../common/format";
import { DEFAULT_PREFERENCES, type Session } from "../common/protocol";
import type { Invitation } from "../common/protocol-bodies";
import { chime } from "../common/sound";
import { showNote } from "./background-edge";
import { invitationNote, requestNote } from "./background-notes";
import { requestAlertText } from "./frame-reducer";
import { alerts, INVITATION_SECONDS, invitations, me, now, preferences, queue, tabs } from "./state";

const BASE_TITLE = "Helpline";

let alertSeq = 0;

export function updateTitle(): void {
  const count = alerts.value.length + invitations.value.length;
  document.title = count > 0 ? `(${count}) ${BASE_TITLE}` : BASE_TITLE;
}

/** How long a new-request alert stays up: the preference, kept within 5 to 600 seconds. */
function alertSeconds(): number {
  const seconds = preferences.value.request_alert_seconds;
  return Number.isFinite(seconds) ? Math.min(600, Math.max(5, seconds)) : DEFAULT_PREFERENCES.request_alert_seconds;
}

export function raiseAlert(session: Session): void {
  if (alerts.value.some((a) => a.sessionId === session.id)) return;
  alerts.value = [
    ...alerts.value,
    {
      id: ++alertSeq,
      sessionId: session.id,
      text: requestAlertText(session),
      expiresAt: Date.now() + alertSeconds() * 1000,
    },
  ];
  updateTitle();
  if (preferences.value.alert_sound) chime("alert");
  showNote(requestNote(session));
}

export function dismissAlert(id: number): void {
  alerts.value = alerts.value.filter((a) => a.id !== id);
  updateTitle();
}

function dropAlertsFor(sessionId: string): void {
  if (!alerts.value.some((a) => a.sessionId === sessionId)) return;
  alerts.value = alerts.value.filter((a) => a.sessionId !== sessionId);
  updateTitle();
}

/** A session left the queue (picked up, by me or another): so does its alert. */
export function removeFromQueue(id: string): void {
  if (queue.value.some((s) => s.id === id)) queue.value = queue.value.filter((s) => s.id !== id);
  dropAlertsFor(id);
}

/** Offers I declined: a portal's offer stays open to the others, and the server lists it again. */
const declined = new Set<number>();

/**
 * Whether to show an offer: not my own (sent to a portal of mine), not one I declined,
 * and no invite into a session I am already in (a transfer to me there is fine).
 */
function wanted(invitation: Invitation): boolean {
  const myId = me.value?.id;
  if (invitation.from_id !== null && invitation.from_id === myId) return false;
  if (declined.has(invitation.id)) return false;
  if (invitation.kind === "transfer") return true;
  const tab = tabs.value.find((t) => t.id === invitation.session.id);
  const inIt =
    tab !== undefined &&
    tab.session.status !== "ended" &&
    tab.session.attendees.some((a) => a.id === myId && a.present);
  return !inIt;
}

export function addInvitation(invitation: Invitation, ring: boolean): void {
  if (!wanted(invitation)) return;
  const received = Date.now();
  const longest = received + INVITATION_SECONDS * 1000;
  // The server says when the offer ends and sends only live ones: never longer than its
  // 30 seconds, and a time already past here is this computer's clock running ahead.
  const said = parseTime(invitation.expires_at);
  const expiresAt = said === null || said <= received ? longest : Math.min(said, longest);
  const known = invitations.value.some((i) => i.invitation.id === invitation.id);
  const others = invitations.value.filter((i) => i.invitation.id !== invitation.id);
  invitations.value = [...others, { invitation, expiresAt }];
  updateTitle();
  if (ring && !known && preferences.value.alert_sound) chime("alert");
  if (ring && !known) showNote(invitationNote(invitation));
}

export function removeInvitation(id: number): void {
  if (!invitations.value.some((i) => i.invitation.id === id)) return;
  invitations.value = invitations.value.filter((i) => i.invitation.id !== id);
  updateTitle();
}

/** I declined `id`: its alert goes, and it is not shown again when the server lists it. */
export function markDeclined(id: number): void {
  declined.add(id);
  removeInvitation(id);
}

/** Once a second: the clock for idle icons and countdowns; expire alerts. */
export function tick(): void {
  const t = Date.now();
  now.value = t;
  if (alerts.value.some((a) => a.expiresAt <= t)) {
    alerts.value = alerts.value.filter((a) => a.expiresAt > t);
    updateTitle();
  }
  if (invitations.value.some((i) => i.expiresAt <= t)) {
    invitations.value = invitations.value.filter((i) => i.expiresAt > t);
    updateTitle();
  }
}
