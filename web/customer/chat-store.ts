/** The customer's chat: one session over /ws/customer. */

import { batch, computed, signal } from "@preact/signals";
import { api, ApiError, seg } from "../common/api";
import { type Problem, problemOf } from "../common/i18n/problems";
import { Connection } from "../common/connection";
import type { ConnectionState } from "../common/connection-types";
import { decodeSession, type Session, type SessionEvent } from "../common/protocol";
import { isObject } from "../common/protocol-json";
import { ScreenShare, askForScreen, captureFailure, type CaptureFailure, type ShareEnd } from "../common/screen-share";
import { pendingScreenRequest, type ScreenRequest } from "../common/screen-status";
import { livePushedUrl } from "./pushed";
import { rememberedSession, rememberSession } from "./storage";

export const session = signal<Session | null>(null);
export const events = signal<SessionEvent[]>([]);
export const connection = signal<ConnectionState>({ phase: "connecting" });
export const outboxVersion = signal(0);
/** The credentials are gone (4001/4003, or a refused handshake): join again. */
export const gone = signal(false);
export const notice = signal<Problem | null>(null);
export const draft = signal("");
/** The command that attaches the Helpline agent, while the representative's offer stands. */
export const agentOffer = signal<{ command: string; expires_at: string } | null>(null);
/** A page the representative pushed that the browser did not open by itself. */
export const pushedUrl = signal<{ url: string; seq: number } | null>(null);
// Declared before `fontSize` below reads it: a const is unusable until its line has run.
const FONT_KEY = "helpline.customer.font_size";
export const fontSize = signal(readFontSize());

function readFontSize(): number {
  try {
    const n = Number.parseInt(localStorage.getItem(FONT_KEY) ?? "", 10);
    return n >= 10 && n <= 32 ? n : 16;
  } catch {
    return 16;
  }
}

export function setFontSize(size: number): void {
  fontSize.value = size;
  try {
    localStorage.setItem(FONT_KEY, String(size));
  } catch {
    /* not remembered, still applied */
  }
}

export type SharePhase =
  | { phase: "idle" }
  | { phase: "starting" }
  | { phase: "sharing" }
  /** Ended by the customer or the browser: said once, plainly (in the page's language). */
  | { phase: "stopped"; why: ShareEnd }
  /** The browser did not capture (`reason`), or the server refused the answer (`problem`). */
  | { phase: "failed"; reason: CaptureFailure | null; problem: Problem | null };

/** This window's screen share. */
export const share = signal<SharePhase>({ phase: "idle" });
/** Requests answered from this window, hidden before the answer's note comes back. */
const answered = signal<ReadonlySet<string>>(new Set());
/** The request to see the screen that waits for the customer's answer, if any. */
export const screenRequest = computed<ScreenRequest | null>(() => {
  if (session.value?.status === "ended") return null;
  const phase = share.value.phase;
  if (phase === "starting" || phase === "sharing") return null;
  return pendingScreenRequest(events.value, answered.value);
});

let socket: Connection | null = null;
let current: ScreenShare | null = null;
/** `last_seq` of this socket's `subscribed` frame: later url_pushed notes are live. */
let liveAfter: number | null = null;

/**
 * Open a live pushed page in a new tab. With "noopener" the browser returns null even
 * when it did open the tab, and returns null too when it blocked it; either way the
 * window also shows an Open button, so a blocked page is one click away.
 */
function openPushed(url: string, seq: number): void {
  let opened: Window | null = null;
  try {
    opened = window.open(url, "_blank", "noopener,noreferrer");
  } catch {
    opened = null;
  }
  if (opened === null) pushedUrl.value = { url, seq };
}

export function dismissAgentOffer(): void {
  agentOffer.value = null;
}

export function dismissPushed(): void {
  pushedUrl.value = null;
}

function insertEvent(list: SessionEvent[], event: SessionEvent): SessionEvent[] {
  const last = list[list.length - 1];
  if (last === undefined || last.seq < event.seq) return [...list, event];
  return [...list.filter((e) => e.seq !== event.seq), event].sort((a, b) => a.seq - b.seq);
}

function setSession(next: Session): void {
  const current = session.value;
  // Keep what we already know about the end when a later copy lacks it.
  if (current !== null && current.status === "ended" && next.status !== "ended") return;
  if (current !== null && next.status === "ended" && next.ended_by === null && current.ended_by !== null) {
    session.value = { ...next, ended_by: current.ended_by };
    return;
  }
  session.value = next;
}

function markEnded(by: string | null): void {
  stopSharing();
  const current = session.value;
  if (current === null) return;
  if (current.status !== "ended" || (current.ended_by === null && by !== null)) {
    session.value = { ...current, status: "ended", ended_by: current.ended_by ?? by };
  }
  if (session.value?.ended_by === null) {
    // Ask the server who ended it; the token may already be closed, then we say less.
    api("GET", `/api/sessions/${seg(current.id)}`)
      .then((body) => {
        if (isObject(body)) {
          const fresh = decodeSession(body["session"]);
          if (fresh.status === "ended") setSession(fresh);
        }
      })
      .catch(() => undefined);
  }
}

function onState(state: ConnectionState): void {
  connection.value = state;
  if (state.phase !== "open") liveAfter = null;
  if (state.phase === "closed") {
    stopSharing();
    if (state.reason === "ended") markEnded(null);
    else if (state.reason === "expired" || state.reason === "logged_out") {
      if (session.value?.status === "ended") return;
      gone.value = true;
    }
  }
}

export function start(): void {
  if (socket !== null) return;
  socket = new Connection({
    path: "/ws/customer",
    storageKey: "helpline.customer.outbox",
    handlers: {
      frame(frame) {
        switch (frame.type) {
          case "welcome":
            if (frame.role !== "customer") return;
            setSession(frame.session);
            rememberSession(frame.session.id);
            // Sends kept from an earlier session in this tab are not this one's.
            socket?.keepOnly((id) => id === frame.session.id);
            socket?.subscribe(frame.session.id);
            // A new socket: the server forgot the share with the old one; say it again.
            current?.resume();
            return;
          case "screen_watch":
            current?.watched();
            return;
          case "agent_offer":
            agentOffer.value = { command: frame.command, expires_at: frame.expires_at };
            return;
          case "subscribed":
            liveAfter = frame.last_seq;
            setSession(frame.session);
            return;
          case "session":
            setSession(frame.session);
            return;
          case "error":
            // A send refused for speed stays queued and goes out by itself: say why it waits.
            if (frame.client_id === null || frame.code === "rate_limited") notice.value = { code: frame.code, message: frame.message };
            if (frame.code === "session_ended") markEnded(null);
            return;
          default:
            return;
        }
      },
      event(_session, event) {
        const url = livePushedUrl(event, liveAfter);
        if (url !== null) openPushed(url, event.seq);
        batch(() => {
          events.value = insertEvent(events.value, event);
          // Live or replayed, the offer is answered once the agent has attached.
          if (event.kind === "status" && event.body.action === "agent_attached") agentOffer.value = null;
          if (event.kind === "status" && event.body.action === "ended") {
            const by = event.body["ended_by"];
            markEnded(typeof by === "string" ? by : null);
          }
        });
      },
      state: onState,
      outbox() {
        outboxVersion.value += 1;
      },
    },
    probe: async () => {
      const id = rememberedSession() ?? session.value?.id ?? null;
      if (id === null) return socket?.hasOpened === true ? "retry" : "auth";
      try {
        const body = await api("GET", `/api/sessions/${seg(id)}`);
        if (isObject(body) && decodeSession(body["session"]).status === "ended") {
          setSession(decodeSession(body["session"]));
          return "ended";
        }
        return "retry";
      } catch (error) {
        if (error instanceof ApiError && [401, 403, 404].includes(error.status)) return "auth";
        return "retry";
      }
    },
  });
  window.addEventListener("online", () => socket?.retryNow());
  // Leaving the page stops the capture at once and says so while the socket is open.
  window.addEventListener("pagehide", () => stopSharing());
  socket.start();
  outboxVersion.value += 1;
}

export function pending() {
  void outboxVersion.value;
  const id = session.value?.id;
  return id === undefined || socket === null ? [] : socket.pendingFor(id);
}

export function send(text: string): void {
  const id = session.value?.id;
  if (id === undefined || socket === null) return;
  socket.send(id, "message", text);
}

export function retry(clientId: string): void {
  socket?.retry(clientId);
}

export function discard(clientId: string): void {
  socket?.discard(clientId);
}

export async function endSession(): Promise<void> {
  const id = session.value?.id;
  if (id === undefined) return;
  try {
    const body = await api("POST", `/api/sessions/${seg(id)}/end`);
    if (isObject(body)) setSession(decodeSession(body["session"]));
  } catch (error) {
    if (error instanceof ApiError && error.code === "session_ended") {
      markEnded(null);
      return;
    }
    throw error;
  }
}

// ---------------------------------------------------------------- the screen

/**
 * Answer a request to see the screen. Allowing asks the browser for the screen at once,
 * inside the click (browsers want a user gesture for that), then starts the share.
 */
export function answerScreenRequest(request: ScreenRequest, allow: boolean): void {
  const id = session.value?.id;
  if (id === undefined || socket === null) return;
  const conn = socket;
  answered.value = new Set([...answered.value, request.requestId]);
  const capture = allow ? askForScreen() : null;
  const viaSocket = conn.sendControl({ type: "consent", session: id, request: request.requestId, allow });
  const recorded: Promise<void> = viaSocket
    ? Promise.resolve()
    : api("POST", `/api/consents/${seg(request.requestId)}`, { allow }).then(() => undefined);
  if (capture === null) {
    recorded.catch((error: unknown) => {
      notice.value = problemOf(error);
    });
    return;
  }
  share.value = { phase: "starting" };
  capture.then(
    async (stream) => {
      try {
        await recorded;
      } catch (error) {
        for (const track of stream.getTracks()) track.stop();
        share.value = { phase: "failed", reason: null, problem: problemOf(error) };
        return;
      }
      if (session.value?.status === "ended" || share.value.phase !== "starting") {
        for (const track of stream.getTracks()) track.stop();
        return;
      }
      startShare(id, request.requestId, stream, conn);
    },
    (error: unknown) => {
      conn.sendControl({ type: "screen", session: id, sharing: false });
      share.value = { phase: "failed", reason: captureFailure(error), problem: null };
    },
  );
}

function startShare(id: string, requestId: string, stream: MediaStream, conn: Connection): void {
  current?.stop();
  share.value = { phase: "sharing" };
  current = new ScreenShare(
    id,
    requestId,
    stream,
    {
      control: (frame) => conn.sendControl(frame),
      binary: (data) => conn.sendBinary(data),
      buffered: () => conn.bufferedAmount,
    },
    (why: ShareEnd) => {
      current = null;
      share.value = { phase: "stopped", why };
    },
  );
}

/** Stop sharing now (the Stop button, the session's end, leaving the page). */
export function stopSharing(): void {
  if (current !== null) current.stop();
  else if (share.value.phase === "starting") share.value = { phase: "idle" };
}

export function dismissShareMessage(): void {
  if (share.value.phase === "stopped" || share.value.phase === "failed") share.value = { phase: "idle" };
}
