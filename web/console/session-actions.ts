/**
 * What the representative does from the console, over the socket or HTTP: send
 * messages and notes, pick up, close, leave and exit sessions, push URLs, ask for the
 * screen, invite and answer invitations, preferences and session codes. Split from the
 * store so the components' actions sit apart from the state they change.
 */

import { batch } from "@preact/signals";
import { api, ApiError, errorMessage, seg } from "../common/api";
import type { OutboxEntry } from "../common/connection-core";
import { parseTime } from "../common/format";
import {
  decodePreferences,
  decodeRepresentative,
  decodeSession,
  type Outcome,
  type Preferences,
  type Representative,
  type Session,
} from "../common/protocol";
import {
  decodeCodeJoiningPaused,
  decodeInvitation,
  decodePortalInfo,
  decodeSessionCode,
  type Invitation,
  type InvitationKind,
  type PortalInfo,
  type SessionCode,
} from "../common/protocol-bodies";
import type { Recipient } from "../common/protocol-frames";
import { isObject } from "../common/protocol-json";
import { markDeclined, removeFromQueue, removeInvitation } from "./alerts";
import {
  codeJoiningPaused,
  codes,
  currentSocket,
  leaving,
  me,
  outboxVersion,
  queue,
  showNotice,
  showView,
  tabs,
} from "./state";
import { closeTab, openTab, updateTab } from "./tabs";

// ---------------------------------------------------------------- sends

export function pendingFor(sessionId: string): OutboxEntry[] {
  void outboxVersion.value; // re-read when the outbox changes
  return currentSocket()?.pendingFor(sessionId) ?? [];
}

export function recipientOf(to: string): Recipient {
  if (to === "everyone" || to === "representatives") return to;
  const id = Number.parseInt(to, 10);
  return Number.isNaN(id) ? "everyone" : id;
}

export function sendMessage(sessionId: string, text: string, to: string): void {
  const socket = currentSocket();
  if (socket === null) return;
  const recipient = recipientOf(to);
  socket.send(sessionId, "message", text, recipient);
  if (recipient === "everyone") updateTab(sessionId, (t) => ({ ...t, localLastSent: Date.now() }));
}

export function sendNote(sessionId: string, text: string): void {
  currentSocket()?.send(sessionId, "note", text);
}

export function retrySend(clientId: string): void {
  currentSocket()?.retry(clientId);
}

export function discardSend(clientId: string): void {
  currentSocket()?.discard(clientId);
}

// ---------------------------------------------------------------- sessions

export async function pickUp(session: Session): Promise<void> {
  try {
    const body = await api("POST", `/api/sessions/${seg(session.id)}/pick-up`);
    if (isObject(body)) openTab(decodeSession(body["session"]), true);
    removeFromQueue(session.id);
  } catch (error) {
    showNotice(errorMessage(error), "error");
    if (error instanceof ApiError && error.code === "conflict") await refreshQueue();
  }
}

export async function refreshQueue(): Promise<void> {
  try {
    const body = await api("GET", "/api/console/queue");
    if (isObject(body) && Array.isArray(body["sessions"])) {
      queue.value = body["sessions"].map(decodeSession);
    }
  } catch {
    /* the next queue frame will do */
  }
}

/** Close a session for everyone, with its outcome and end-of-session notes. */
export async function closeSession(sessionId: string, outcome: Outcome, notes: string): Promise<void> {
  const body = await api("POST", `/api/sessions/${seg(sessionId)}/end`, { outcome, notes });
  if (isObject(body)) {
    const session = decodeSession(body["session"]);
    updateTab(sessionId, (t) => ({ ...t, session }));
  }
}

/** Only I leave; the customer stays with the others, or goes back to the queue. */
export async function leaveSession(sessionId: string): Promise<void> {
  leaving.add(sessionId);
  try {
    await api("POST", `/api/sessions/${seg(sessionId)}/leave`);
  } catch (error) {
    leaving.delete(sessionId);
    throw error;
  }
  closeTab(sessionId);
  leaving.delete(sessionId);
}

/** Leave every open session; resolves with how many were left. */
export async function exitAllSessions(): Promise<number> {
  for (const tab of tabs.value) if (tab.session.status !== "ended") leaving.add(tab.id);
  try {
    const body = await api("POST", "/api/console/exit-all");
    const list = isObject(body) && Array.isArray(body["left"]) ? body["left"] : [];
    const left = list.filter((x): x is string => typeof x === "string");
    batch(() => {
      for (const id of left) closeTab(id);
    });
    return left.length;
  } finally {
    leaving.clear();
  }
}

/** Open a web page on the customer's computer. Rejects with the server's reason. */
export async function pushUrl(sessionId: string, url: string): Promise<void> {
  await api("POST", `/api/sessions/${seg(sessionId)}/push-url`, { url, client_id: crypto.randomUUID() });
}

/** Ask the customer to show their screen; their window asks them to allow it. */
export async function askToSeeScreen(sessionId: string): Promise<void> {
  await api("POST", `/api/sessions/${seg(sessionId)}/screen/request`);
}

/** Viewer windows opened from this console, by session: asked again, one comes to the front. */
const viewers = new Map<string, Window>();

/** The Viewer window of a session: its own browser window on /console?viewer=ID. */
export function openViewer(sessionId: string): boolean {
  const open = viewers.get(sessionId);
  if (open !== undefined && !open.closed) {
    open.focus();
    return true;
  }
  const url = `/console?viewer=${encodeURIComponent(sessionId)}`;
  const name = `helpline-viewer-${sessionId.replace(/[^A-Za-z0-9]/g, "")}`;
  const opened = window.open(url, name, "popup,width=1320,height=820");
  if (opened === null) {
    showNotice("The browser blocked the viewer window. Allow pop-ups for this site and try again.", "error");
    return false;
  }
  viewers.set(sessionId, opened);
  opened.focus();
  return true;
}

// ---------------------------------------------------------------- invitations

export interface InvitationRequest {
  kind: InvitationKind;
  /** One representative's username, or a portal's slug. */
  username?: string;
  portal?: string;
  masked: boolean;
  comment: string;
}

export async function sendInvitation(sessionId: string, request: InvitationRequest): Promise<Invitation | null> {
  const body = await api("POST", `/api/sessions/${seg(sessionId)}/invitations`, {
    kind: request.kind,
    username: request.username,
    portal: request.portal,
    masked: request.kind === "invite" && request.masked,
    comment: request.comment,
  });
  return isObject(body) ? decodeInvitation(body["invitation"]) : null;
}

export async function acceptInvitation(id: number): Promise<void> {
  try {
    const body = await api("POST", `/api/invitations/${id}/accept`);
    removeInvitation(id);
    if (isObject(body)) {
      showView("chats");
      openTab(decodeSession(body["session"]), true);
    }
  } catch (error) {
    removeInvitation(id);
    showNotice(errorMessage(error), "error");
  }
}

export async function declineInvitation(id: number): Promise<void> {
  markDeclined(id);
  try {
    await api("POST", `/api/invitations/${id}/decline`);
  } catch (error) {
    // Already answered or expired: the alert is gone either way.
    if (!(error instanceof ApiError && (error.status === 409 || error.status === 410 || error.status === 404))) {
      showNotice(errorMessage(error), "error");
    }
  }
}

export async function loadRepresentatives(): Promise<Representative[]> {
  const body = await api("GET", "/api/representatives");
  const list = isObject(body) ? body["representatives"] : null;
  return Array.isArray(list) ? list.map(decodeRepresentative) : [];
}

export async function loadPortals(): Promise<PortalInfo[]> {
  const body = await api("GET", "/api/portals");
  const list = isObject(body) ? body["portals"] : null;
  return Array.isArray(list) ? list.map(decodePortalInfo) : [];
}

// ---------------------------------------------------------------- preferences, codes

/** Save some preferences; the screen changes at once and goes back if the server refuses. */
export async function savePreferences(changes: Partial<Preferences>): Promise<void> {
  const current = me.value;
  if (current === null) return;
  const before = current.preferences;
  me.value = { ...current, preferences: { ...before, ...changes } };
  try {
    const body = await api("PATCH", "/api/me/preferences", changes);
    if (isObject(body) && me.value !== null) {
      me.value = { ...me.value, preferences: decodePreferences(body["preferences"]) };
    }
  } catch (error) {
    if (me.value !== null) me.value = { ...me.value, preferences: before };
    throw error;
  }
}

export async function loadCodes(): Promise<void> {
  const body = await api("GET", "/api/codes");
  if (isObject(body) && Array.isArray(body["codes"])) codes.value = body["codes"].map(decodeSessionCode);
  codeJoiningPaused.value = decodeCodeJoiningPaused(body);
}

export async function createCode(): Promise<SessionCode> {
  const body = await api("POST", "/api/codes", {});
  const code = decodeSessionCode(body);
  codeJoiningPaused.value = decodeCodeJoiningPaused(body);
  codes.value = [code, ...codes.value.filter((c) => c.code !== code.code)];
  return code;
}

export async function cancelCode(code: string): Promise<void> {
  await api("DELETE", `/api/codes/${seg(code)}`);
  codes.value = codes.value.filter((c) => c.code !== code);
}

export function activeCodes(at: number): SessionCode[] {
  return codes.value.filter((c) => (parseTime(c.expires_at) ?? 0) > at);
}
