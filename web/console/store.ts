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
  decodeSessionCode,
  isObject,
  type Me,
  type Preferences,
  type Recipient,
  type ServerFrame,
  type Session,
  type SessionCode,
  type SessionEvent,
} from "../common/protocol";
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

export const ALERT_SECONDS = 30;
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

export const preferences = computed<Preferences>(() => me.value?.preferences ?? DEFAULT_PREFERENCES);
export const activeTab = computed<Tab | null>(() => tabs.value.find((t) => t.id === activeId.value) ?? null);
export const mySessions = computed(() => tabs.value.filter((t) => t.session.status !== "ended"));

let socket: Connection | null = null;
let alertSeq = 0;
let noticeTimer: ReturnType<typeof setTimeout> | null = null;

// ---------------------------------------------------------------- small helpers

export function showNotice(text: string, tone: "info" | "error" = "info"): void {
  notice.value = { text, tone };
  if (noticeTimer !== null) clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => {
    notice.value = null;
  }, 8000);
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
  const count = alerts.value.length;
  document.title = count > 0 ? `(${count}) ${BASE_TITLE}` : BASE_TITLE;
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
      expiresAt: Date.now() + ALERT_SECONDS * 1000,
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

/** Once a second: the clock for idle icons and countdowns; expire alerts. */
function tick(): void {
  const t = Date.now();
  now.value = t;
  if (alerts.value.some((a) => a.expiresAt <= t)) {
    alerts.value = alerts.value.filter((a) => a.expiresAt > t);
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
      return;
    case "assigned":
      openTab(frame.session, true);
      removeFromQueue(frame.session.id);
      // A customer may have used one of my codes: it is no longer active.
      if (codes.value.length > 0) void loadCodes().catch(() => undefined);
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
  batch(() => {
    me.value = null;
    queue.value = [];
    tabs.value = [];
    activeId.value = null;
    alerts.value = [];
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

export async function endSession(sessionId: string): Promise<void> {
  const body = await api("POST", `/api/sessions/${seg(sessionId)}/end`);
  if (isObject(body)) {
    const session = decodeSession(body["session"]);
    updateTab(sessionId, (t) => ({ ...t, session }));
  }
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
}

export async function createCode(): Promise<SessionCode> {
  const body = await api("POST", "/api/codes", {});
  const code = decodeSessionCode(body);
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
