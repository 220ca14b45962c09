/**
 * The console's state: its types and signals, shared by every other part of the store
 * (tabs.ts, alerts.ts, frames.ts, session-actions.ts, lifecycle.ts). Components read
 * these signals; only those modules change them. Also the page (view) and the notice.
 */

import { computed, signal } from "@preact/signals";
import type { Connection } from "../common/connection";
import type { ConnectionState } from "../common/connection-types";
import { DEFAULT_PREFERENCES, type Me, type Preferences, type Session, type SessionEvent } from "../common/protocol";
import type { Invitation, SessionCode } from "../common/protocol-bodies";
import { ScreenFeed } from "../common/screen-feed";

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

export type ConsoleView = "chats" | "library" | "history" | "webhooks";

/** The longest an invitation alert stays up (the server's offers last 30 seconds). */
export const INVITATION_SECONDS = 30;

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
/** Which page of the console is showing: the chats, the library, the history, the webhooks. */
export const view = signal<ConsoleView>(viewFromHash());

export const preferences = computed<Preferences>(() => me.value?.preferences ?? DEFAULT_PREFERENCES);
export const activeTab = computed<Tab | null>(() => tabs.value.find((t) => t.id === activeId.value) ?? null);
export const mySessions = computed(() => tabs.value.filter((t) => t.session.status !== "ended"));

/** The newest screen images of my sessions (see common/screen.ts); screenVersion ticks on each. */
export const screenFeed = new ScreenFeed();
export const screenVersion = signal(0);
screenFeed.listen(() => {
  screenVersion.value += 1;
});

/** Sessions I am leaving from this console: no "you are no longer in" notice for them. */
export const leaving = new Set<string>();

// ---------------------------------------------------------------- the socket

let socket: Connection | null = null;

/** The console's one socket while logged in (lifecycle.ts makes and ends it). */
export function currentSocket(): Connection | null {
  return socket;
}

export function setSocket(next: Connection | null): void {
  socket = next;
}

// ---------------------------------------------------------------- notice and page

let noticeTimer: ReturnType<typeof setTimeout> | null = null;

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
  if (location.hash === "#/webhooks") return "webhooks";
  return "chats";
}

/** Follow the address's #/library, #/history or #/webhooks (links, Back and Forward). */
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
