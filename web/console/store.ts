/**
 * The console's state: who is logged in, the queue, one tab per session, alerts and
 * the connection. Components read the signals; actions here change them.
 */

import { batch, computed, signal } from "@preact/signals";
import { api, ApiError, errorMessage, seg } from "../common/api";
import { Connection, type ConnectionState } from "../common/connection";
import { parseTime } from "../common/format";
import {
  DEFAULT_PREFERENCES,
  decodeMe,
  decodePreferences,
  decodeSession,
  decodeCodeJoiningPaused,
  decodeSessionCode,
  decodeInvitation,
  decodePortalInfo,
  decodeRepresentative,
  isObject,
  type Invitation,
  type InvitationKind,
  type Me,
  type Outcome,
  type PortalInfo,
  type Representative,
  type Preferences,
  type Recipient,
  type ServerFrame,
  type Session,
  type SessionCode,
  type SessionEvent,
} from "../common/protocol";
import { ScreenFeed } from "../common/screen";
import { chime } from "../common/sound";

export interface Tab {
  id: string;
  session: Session;
  /** Every event seen, in seq order. */
  events: SessionEvent[];
  unread: number;
  /** When the console opened this tab (ms): the idle clock's last fallback. */
  openedAt: number;
  /** When I last sent a message to everyone from this console (ms). */
  localLastSent: number | null;
  draft: string;
  noteDraft: string;
  /** "everyone", "representatives" or a representative's id as text. */
  to: string;
  /** Events up to this seq were history when the tab first subscribed: not unread. */
  historyUpTo: number | null;
  error: string | null;
}

export interface Alert {
  id: number;
  sessionId: string;
  text: string;
  expiresAt: number;
}

/** An offer to join or take over a session, shown until answered or expired. */
export interface InvitationAlert {
  invitation: Invitation;
  expiresAt: number;
}

export type ConsoleView = "chats" | "library" | "history";

/** The longest an invitation alert stays up (the server's offers last 30 seconds). */
export const INVITATION_SECONDS = 30;
const BASE_TITLE = "Helpline";

// ---------------------------------------------------------------- signals

export const me = signal<Me | null>(null);
/** False until GET /api/me has answered once. */
export const authChecked = signal(false);
export const loginMessage = signal<string | null>(null);
export const queue = signal<Session[]>([]);
export const tabs = signal<Tab[]>([]);
export const activeId = signal<string | null>(null);
export const connection = signal<ConnectionState>({ phase: "connecting" });
export const outboxVersion = signal(0);
export const alerts = signal<Alert[]>([]);
export const now = signal(Date.now());
/** A short message for the whole console (role="status"). */
export const notice = signal<{ text: string; tone: "info" | "error" } | null>(null);
export const codes = signal<SessionCode[]>([]);
/** The server paused joining by code (too many wrong codes were tried); links still work. */
export const codeJoiningPaused = signal(false);
export const invitations = signal<InvitationAlert[]>([]);
/** Which page of the console is showing: the chats, the library, the history. */
export const view = signal<ConsoleView>(viewFromHash());

export const preferences = computed<Preferences>(() => me.value?.preferences ?? DEFAULT_PREFERENCES);
export const activeTab = computed<Tab | null>(() => tabs.value.find((t) => t.id === activeId.value) ?? null);
export const mySessions = computed(() => tabs.value.filter((t) => t.session.status !== "ended"));

let socket: Connection | null = null;
let alertSeq = 0;

/** The newest screen images of my sessions (see common/screen.ts); screenVersion ticks on each. */
export const screenFeed = new ScreenFeed();
export const screenVersion = signal(0);
screenFeed.listen(() => {
  screenVersion.value += 1;
});
/** Sessions I am leaving from this console: no "you are no longer in" notice for them. */
const leaving = new Set<string>();
let noticeTimer: ReturnType<typeof setTimeout> | null = null;

// ---------------------------------------------------------------- small helpers

export function showNotice(text: string, tone: "info" | "error" = "info"): void {
  notice.value = { text, tone };
  if (noticeTimer !== null) clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => {
    notice.value = null;
  }, 8000);
}

function viewFromHash(): ConsoleView {
  if (typeof location === "undefined") return "chats";
  if (location.hash === "#/library") return "library";
  if (location.hash === "#/history") return "history";
  return "chats";
}

/** Follow the address's #/library or #/history (links, Back and Forward). */
export function watchView(): () => void {
  const onHash = () => {
    // Other fragments (the skip link's #main) leave the page as it is.
    if (location.hash === "" || location.hash.startsWith("#/")) view.value = viewFromHash();
  };
  window.addEventListener("hashchange", onHash);
  return () => window.removeEventListener("hashchange", onHash);
}

export function showView(next: ConsoleView): void {
  view.value = next;
  const hash = next === "chats" ? "#/" : `#/${next}`;
  if (location.hash !== hash) history.replaceState(null, "", hash);
}

function updateTab(id: string, change: (tab: Tab) => Tab): void {
  tabs.value = tabs.value.map((t) => (t.id === id ? change(t) : t));
}

function newTab(session: Session): Tab {
  return {
    id: session.id,
    session,
    events: [],
    unread: 0,
    openedAt: Date.now(),
    localLastSent: null,
    draft: "",
    noteDraft: "",
    to: "everyone",
    historyUpTo: null,
    error: null,
  };
}

/** Add a tab for `session` if there is none; focus it if asked (or if none is focused). */
export function openTab(session: Session, focus: boolean): void {
  batch(() => {
    const existing = tabs.value.find((t) => t.id === session.id);
    if (existing === undefined) {
      tabs.value = [...tabs.value, newTab(session)];
    } else {
      updateTab(session.id, (t) => ({ ...t, session }));
    }
    if (focus || activeId.value === null) selectTab(session.id);
  });
  socket?.subscribe(session.id);
}

export function selectTab(id: string): void {
  batch(() => {
    activeId.value = id;
    updateTab(id, (t) => (t.unread === 0 ? t : { ...t, unread: 0 }));
  });
}

export function closeTab(id: string): void {
  const list = tabs.value;
  const index = list.findIndex((t) => t.id === id);
  if (index < 0) return;
  socket?.forget(id);
  screenFeed.clear(id);
  const rest = list.filter((t) => t.id !== id);
  batch(() => {
    tabs.value = rest;
    if (activeId.value === id) activeId.value = (rest[index] ?? rest[index - 1] ?? null)?.id ?? null;
  });
}

/** Move the selection by `step` tabs, wrapping around. */
export function cycleTab(step: number): void {
  const list = tabs.value;
  if (list.length === 0) return;
  const index = list.findIndex((t) => t.id === activeId.value);
  const next = list[(((index < 0 ? 0 : index + step) % list.length) + list.length) % list.length];
  if (next !== undefined) selectTab(next.id);
}

export function selectTabNumber(n: number): void {
  const tab = tabs.value[n - 1];
  if (tab !== undefined) selectTab(tab.id);
}

function insertEvent(events: SessionEvent[], event: SessionEvent): SessionEvent[] {
  const lastEvent = events[events.length - 1];
  if (lastEvent === undefined || lastEvent.seq < event.seq) return [...events, event];
  const out = events.filter((e) => e.seq !== event.seq);
  out.push(event);
  out.sort((a, b) => a.seq - b.seq);
  return out;
}

// ---------------------------------------------------------------- alerts and title

function updateTitle(): void {
  const count = alerts.value.length + invitations.value.length;
  document.title = count > 0 ? `(${count}) ${BASE_TITLE}` : BASE_TITLE;
}

/** How long a new-request alert stays up: the preference, kept within 5 to 600 seconds. */
function alertSeconds(): number {
  const seconds = preferences.value.request_alert_seconds;
  return Number.isFinite(seconds) ? Math.min(600, Math.max(5, seconds)) : DEFAULT_PREFERENCES.request_alert_seconds;
}

function raiseAlert(session: Session): void {
  if (alerts.value.some((a) => a.sessionId === session.id)) return;
  const name = session.customer.name || "A customer";
  const where = session.portal !== null ? ` on ${session.portal.name}` : "";
  alerts.value = [
    ...alerts.value,
    {
      id: ++alertSeq,
      sessionId: session.id,
      text: `New request from ${name}${where}.`,
      expiresAt: Date.now() + alertSeconds() * 1000,
    },
  ];
  updateTitle();
  if (preferences.value.alert_sound) chime("alert");
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

function addInvitation(invitation: Invitation, ring: boolean): void {
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
}

export function removeInvitation(id: number): void {
  if (!invitations.value.some((i) => i.invitation.id === id)) return;
  invitations.value = invitations.value.filter((i) => i.invitation.id !== id);
  updateTitle();
}

/** Once a second: the clock for idle icons and countdowns; expire alerts. */
function tick(): void {
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

// ---------------------------------------------------------------- frames

function onFrame(frame: ServerFrame): void {
  switch (frame.type) {
    case "welcome":
      if (frame.role !== "representative") return;
      batch(() => {
        me.value = frame.me;
        queue.value = frame.queue;
        for (const session of frame.sessions) openTab(session, false);
        invitations.value = [];
        for (const invitation of frame.invitations) addInvitation(invitation, false);
        updateTitle();
      });
      return;
    case "subscribed":
      updateTab(frame.session.id, (t) => ({
        ...t,
        session: frame.session,
        historyUpTo: t.historyUpTo ?? frame.last_seq,
        error: null,
      }));
      return;
    case "session":
      updateTab(frame.session.id, (t) => ({ ...t, session: frame.session }));
      if (frame.session.status !== "waiting") removeFromQueue(frame.session.id);
      if (frame.session.status !== "ended" && !amIn(frame.session)) droppedOut(frame.session);
      return;
    case "assigned":
      if (view.value !== "chats" && !tabs.value.some((t) => t.id === frame.session.id)) {
        const who = frame.session.customer.name || "a customer";
        showNotice(`A chat with ${who} (${frame.session.id}) is open under Chats.`);
      }
      openTab(frame.session, true);
      removeFromQueue(frame.session.id);
      // A customer may have used one of my codes: it is no longer active.
      if (codes.value.length > 0) void loadCodes().catch(() => undefined);
      return;
    case "invitation":
      addInvitation(frame.invitation, true);
      return;
    case "invitation_closed":
      removeInvitation(frame.id);
      return;
    case "queue":
      if (frame.action === "added") {
        const known = queue.value.some((s) => s.id === frame.session.id);
        queue.value = [...queue.value.filter((s) => s.id !== frame.session.id), frame.session];
        if (!known) raiseAlert(frame.session);
      } else {
        removeFromQueue(frame.session.id);
      }
      return;
    case "error":
      // Refused for speed: the line stays queued and goes out by itself; say why it waits.
      if (frame.code === "rate_limited") {
        showNotice(frame.message, "info");
        return;
      }
      if (frame.client_id !== null) return; // shown on the failed line
      if (frame.session !== null && tabs.value.some((t) => t.id === frame.session)) {
        const sessionId = frame.session;
        updateTab(sessionId, (t) => ({ ...t, error: frame.message }));
        if (frame.code === "session_ended") {
          updateTab(sessionId, (t) => ({ ...t, session: { ...t.session, status: "ended" } }));
        }
      } else {
        showNotice(frame.message, "error");
      }
      return;
    default:
      return;
  }
}

/** Whether I am still in `session`; a copy that does not list me says nothing. */
function amIn(session: Session): boolean {
  const mine = session.attendees.find((a) => a.id !== null && a.id === me.value?.id);
  return mine === undefined ? true : mine.present;
}

/** I left, or handed the session over: its tab closes; say so unless I asked for it here. */
function droppedOut(session: Session): void {
  if (!tabs.value.some((t) => t.id === session.id)) return;
  closeTab(session.id);
  if (leaving.delete(session.id)) return;
  const who = session.customer.name || "the customer";
  const primary = session.attendees.find((a) => a.present && a.role === "primary");
  showNotice(
    primary !== undefined
      ? `${primary.name} took over the session with ${who} (${session.id}).`
      : `You are no longer in the session with ${who} (${session.id}).`,
  );
}

function removeFromQueue(id: string): void {
  if (queue.value.some((s) => s.id === id)) queue.value = queue.value.filter((s) => s.id !== id);
  dropAlertsFor(id);
}

function onEvent(sessionId: string, event: SessionEvent): void {
  const tab = tabs.value.find((t) => t.id === sessionId);
  if (tab === undefined) return;
  const mine = event.author.kind === "representative" && event.author.id === me.value?.id;
  const isNew = tab.historyUpTo === null || event.seq > tab.historyUpTo;
  const chatty = event.kind === "message" || event.kind === "note";
  const countsUnread = isNew && !mine && chatty && activeId.value !== sessionId;
  updateTab(sessionId, (t) => {
    const next: Tab = { ...t, events: insertEvent(t.events, event) };
    if (countsUnread) next.unread = t.unread + 1;
    if (event.kind === "status" && event.body.action === "ended") {
      next.session = { ...t.session, status: "ended", ended_by: t.session.ended_by ?? strOrNull(event.body["ended_by"]) };
    }
    return next;
  });
  if (isNew && !mine && event.kind === "message" && preferences.value.chat_sound) chime("message");
  if (event.kind === "status" && (event.body.action === "screen_stopped" || event.body.action === "ended")) {
    screenFeed.clear(sessionId);
  }
}

/** A binary message: a screen frame of a session I follow. */
function onBinary(data: ArrayBuffer): void {
  const frame = screenFeed.receive(data);
  if (frame !== null && !tabs.value.some((t) => t.id === frame.session)) screenFeed.clear(frame.session);
}

function strOrNull(value: string | number | boolean | null | undefined): string | null {
  return typeof value === "string" ? value : null;
}

function onState(state: ConnectionState): void {
  connection.value = state;
  if (state.phase === "closed" && (state.reason === "logged_out" || state.reason === "expired")) {
    resetToLogin(
      state.reason === "logged_out" ? "You have been logged out." : "Your login has expired. Please log in again.",
    );
  }
}

// ---------------------------------------------------------------- lifecycle

let ticker: ReturnType<typeof setInterval> | null = null;

function connect(): void {
  socket?.stop();
  socket = new Connection({
    path: "/ws/console",
    storageKey: `helpline.console.outbox.${me.value?.id ?? 0}`,
    handlers: {
      frame: onFrame,
      event: onEvent,
      binary: onBinary,
      state: onState,
      outbox: () => {
        outboxVersion.value += 1;
      },
    },
    probe: async () => {
      try {
        await api("GET", "/api/me");
        return "retry";
      } catch (error) {
        return error instanceof ApiError && error.status === 401 ? "auth" : "retry";
      }
    },
  });
  connection.value = { phase: "connecting" };
  socket.start();
  outboxVersion.value += 1;
}

function resetToLogin(message: string | null): void {
  socket?.stop();
  socket = null;
  screenFeed.clearAll();
  batch(() => {
    me.value = null;
    queue.value = [];
    tabs.value = [];
    activeId.value = null;
    alerts.value = [];
    invitations.value = [];
    codes.value = [];
    loginMessage.value = message;
  });
  updateTitle();
}

/** On page load: am I logged in? */
export async function boot(): Promise<void> {
  if (ticker === null) ticker = setInterval(tick, 1000);
  window.addEventListener("online", () => socket?.retryNow());
  try {
    const body = await api("GET", "/api/me");
    if (isObject(body)) {
      me.value = decodeMe(body["me"]);
      connect();
    }
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) {
      loginMessage.value = errorMessage(error);
    }
  } finally {
    authChecked.value = true;
  }
}

export async function login(username: string, password: string): Promise<void> {
  const body = await api("POST", "/api/auth/login", { username, password });
  if (!isObject(body)) throw new Error("The server sent an unexpected answer.");
  batch(() => {
    loginMessage.value = null;
    me.value = decodeMe(body["me"]);
  });
  connect();
}

export async function logout(): Promise<void> {
  try {
    await api("POST", "/api/auth/logout");
  } finally {
    resetToLogin("You have logged out.");
  }
}

// ---------------------------------------------------------------- actions

export function pendingFor(sessionId: string) {
  void outboxVersion.value; // re-read when the outbox changes
  return socket?.pendingFor(sessionId) ?? [];
}

export function recipientOf(to: string): Recipient {
  if (to === "everyone" || to === "representatives") return to;
  const id = Number.parseInt(to, 10);
  return Number.isNaN(id) ? "everyone" : id;
}

export function sendMessage(sessionId: string, text: string, to: string): void {
  if (socket === null) return;
  const recipient = recipientOf(to);
  socket.send(sessionId, "message", text, recipient);
  if (recipient === "everyone") updateTab(sessionId, (t) => ({ ...t, localLastSent: Date.now() }));
}

export function sendNote(sessionId: string, text: string): void {
  socket?.send(sessionId, "note", text);
}

export function retrySend(clientId: string): void {
  socket?.retry(clientId);
}

export function discardSend(clientId: string): void {
  socket?.discard(clientId);
}

export function setDraft(sessionId: string, draft: string): void {
  updateTab(sessionId, (t) => ({ ...t, draft }));
}

export function setNoteDraft(sessionId: string, noteDraft: string): void {
  updateTab(sessionId, (t) => ({ ...t, noteDraft }));
}

export function setRecipient(sessionId: string, to: string): void {
  updateTab(sessionId, (t) => ({ ...t, to }));
}

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
  declined.add(id);
  removeInvitation(id);
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
