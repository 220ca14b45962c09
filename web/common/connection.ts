/**
 * The WebSocket client shared by the console and the customer window.
 *
 * It keeps the last `seq` per followed session and re-subscribes with it after every
 * reconnect, drops duplicate events, keeps sends in an outbox (with a client id) until
 * their `ack` and resends them after a reconnect, answers the close codes of the
 * protocol, pings every heartbeat and reconnects when the server falls silent.
 * The rules themselves live in connection-core.ts, the sends (outbox, storage, the
 * timers that put them off) in connection-sends.ts, the types in connection-types.ts.
 */

import {
  SeqTracker,
  attemptAfterClose,
  backoffDelay,
  closeAction,
  isSilent,
  suggestedDelay,
  type OutboxEntry,
  type SendKind,
} from "./connection-core";
import { Sends, defaultStorage } from "./connection-sends";
import type { ConnectionOptions, ConnectionState, SocketLike } from "./connection-types";
import type { SessionEvent } from "./protocol";
import { CLOSE_SILENT, DEFAULT_HEARTBEAT_SECONDS, type ClientFrame, type Recipient } from "./protocol-frames";
import { decodeServerFrame } from "./protocol-server-frames";

const OPEN = 1;

export function socketUrl(path: string, loc: Pick<Location, "protocol" | "host"> = location): string {
  const scheme = loc.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${loc.host}${path}`;
}

export class Connection {
  readonly tracker = new SeqTracker();
  private readonly sends: Sends;
  private readonly subscriptions = new Set<string>();
  private readonly subscribedOnSocket = new Set<string>();
  private socket: SocketLike | null = null;
  private ready = false;
  private everOpened = false;
  private attempt = 0;
  private heartbeatSeconds = DEFAULT_HEARTBEAT_SECONDS;
  private lastFrameAt = 0;
  /** When this socket was welcomed (ms), null before. */
  private welcomedAt: number | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private silenceTimer: ReturnType<typeof setInterval> | null = null;
  private current: ConnectionState = { phase: "connecting" };
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly newClientId: () => string;
  private readonly createSocket: (url: string) => SocketLike;

  constructor(private readonly options: ConnectionOptions) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.newClientId = options.newClientId ?? (() => crypto.randomUUID());
    this.createSocket = options.createSocket ?? ((url) => new WebSocket(url));
    const storage = options.storage === undefined ? defaultStorage() : options.storage;
    this.sends = new Sends(
      {
        transmit: (frame) => this.transmit(frame),
        isReady: () => this.ready,
        changed: () => this.options.handlers.outbox?.(),
        now: () => this.now(),
        random: () => this.random(),
      },
      storage,
      options.storageKey,
    );
  }

  get state(): ConnectionState {
    return this.current;
  }

  get isReady(): boolean {
    return this.ready;
  }

  start(): void {
    if (this.current.phase === "closed") return;
    this.connect();
  }

  /** Close for good (logout, leaving the page). */
  stop(): void {
    this.setState({ phase: "closed", reason: "stopped" });
    this.sends.stop();
    this.teardown(1000);
  }

  /** Try now instead of waiting out the backoff (the browser came back online). */
  retryNow(): void {
    if (this.current.phase !== "reconnecting" || this.retryTimer === null) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.connect();
  }

  /** Follow a session; replay starts after the last seq seen. Idempotent. */
  subscribe(session: string): void {
    this.subscriptions.add(session);
    if (this.ready && !this.subscribedOnSocket.has(session)) {
      this.subscribedOnSocket.add(session);
      this.transmit({ type: "subscribe", session, after: this.tracker.lastSeq(session) });
    }
  }

  unsubscribe(session: string): void {
    this.subscriptions.delete(session);
    if (this.ready && this.subscribedOnSocket.delete(session)) {
      this.transmit({ type: "unsubscribe", session });
    }
  }

  /**
   * Send a control frame now (consent, screen, watch): not kept in the outbox, so it
   * is lost if the socket is not open. Returns whether it went out.
   */
  sendControl(frame: ClientFrame): boolean {
    return this.ready && this.transmit(frame);
  }

  /** Send a binary message now (a screen frame); false when the socket is not open. */
  sendBinary(data: Uint8Array): boolean {
    const socket = this.socket;
    if (!this.ready || socket === null || socket.readyState !== OPEN) return false;
    try {
      socket.send(data);
      return true;
    } catch {
      return false;
    }
  }

  /** Bytes the socket still has to send: a sender of large frames skips one while busy. */
  get bufferedAmount(): number {
    return this.socket?.bufferedAmount ?? 0;
  }

  isSubscribed(session: string): boolean {
    return this.subscriptions.has(session);
  }

  /** Queue a message or note; it is sent now if the socket is ready, else on reconnect. */
  send(session: string, kind: SendKind, text: string, to?: Recipient): OutboxEntry {
    return this.sends.add({ clientId: this.newClientId(), session, kind, text, to, createdAt: this.now() });
  }

  /** Send a failed entry again as a new send (a refused frame is never resent as is). */
  retry(clientId: string): OutboxEntry | undefined {
    const old = this.sends.takeFailed(clientId);
    return old === undefined ? undefined : this.send(old.session, old.kind, old.text, old.to);
  }

  /** Drop every queued send whose session fails `keep` (e.g. another session's, after rejoining). */
  keepOnly(keep: (session: string) => boolean): void {
    this.sends.keepOnly(keep);
  }

  discard(clientId: string): void {
    this.sends.discard(clientId);
  }

  pendingFor(session: string): OutboxEntry[] {
    return this.sends.pendingFor(session);
  }

  /** Forget everything about a session (its tab was closed). */
  forget(session: string): void {
    this.unsubscribe(session);
    this.tracker.forget(session);
    this.sends.forgetSession(session);
  }

  /** Whether `everOpened`: used by the customer page to tell "never connected" apart. */
  get hasOpened(): boolean {
    return this.everOpened;
  }

  // ------------------------------------------------------------ socket life

  private connect(): void {
    this.retryTimer = null;
    if (this.current.phase === "reconnecting") {
      this.setState({ phase: "reconnecting", attempt: this.current.attempt, retryAt: null });
    }
    let socket: SocketLike;
    try {
      socket = this.createSocket(socketUrl(this.options.path, this.locationLike()));
    } catch {
      this.handleClose(1006, false);
      return;
    }
    this.socket = socket;
    try {
      socket.binaryType = "arraybuffer";
    } catch {
      /* a socket that cannot: binary frames are then ignored */
    }
    let opened = false;
    socket.onopen = () => {
      opened = true;
      this.everOpened = true;
      this.lastFrameAt = this.now();
      this.startSilenceWatch();
    };
    socket.onmessage = (ev: MessageEvent) => {
      if (this.socket !== socket) return;
      this.lastFrameAt = this.now();
      if (typeof ev.data === "string") this.receive(ev.data);
      else if (ev.data instanceof ArrayBuffer) this.options.handlers.binary?.(ev.data);
    };
    socket.onerror = () => {
      /* a close follows */
    };
    socket.onclose = (ev: CloseEvent) => {
      if (this.socket !== socket) return;
      this.handleClose(ev.code, opened, ev.reason ?? "");
    };
  }

  private locationLike(): Pick<Location, "protocol" | "host"> {
    return typeof location === "undefined" ? { protocol: "http:", host: "localhost" } : location;
  }

  private teardown(code: number): void {
    this.ready = false;
    this.subscribedOnSocket.clear();
    this.welcomedAt = null;
    this.sends.socketGone();
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    if (this.silenceTimer !== null) clearInterval(this.silenceTimer);
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.pingTimer = null;
    this.silenceTimer = null;
    this.retryTimer = null;
    const socket = this.socket;
    this.socket = null;
    if (socket !== null) {
      socket.onopen = null;
      socket.onmessage = null;
      socket.onclose = null;
      socket.onerror = null;
      try {
        socket.close(code);
      } catch {
        /* already closed */
      }
    }
  }

  private handleClose(code: number, opened: boolean, reason = ""): void {
    const suggested = suggestedDelay(code, reason, this.random);
    if (suggested !== null && this.current.phase !== "closed") {
      // Turned away while the server lets others in (a reconnect storm): come back when
      // it said, and leave the backoff as it was, since nothing failed.
      this.teardown(1000);
      this.scheduleRetry(suggested);
      return;
    }
    const suspects = this.sends.suspects();
    const welcomedFor = this.welcomedAt === null ? null : this.now() - this.welcomedAt;
    this.attempt = attemptAfterClose(this.attempt, welcomedFor);
    this.teardown(1000);
    if (this.current.phase === "closed") return;
    const action = closeAction(code);
    if (action.kind !== "reconnect") {
      this.setState({ phase: "closed", reason: action.kind });
      return;
    }
    this.sends.blame(code, suspects);
    const probe = this.options.probe;
    if (!opened && probe !== undefined) {
      this.setState({ phase: "reconnecting", attempt: this.attempt + 1, retryAt: null });
      void probe()
        .catch(() => "retry" as const)
        .then((answer) => {
          if (this.current.phase === "closed") return;
          if (answer === "auth") this.setState({ phase: "closed", reason: "expired" });
          else if (answer === "ended") this.setState({ phase: "closed", reason: "ended" });
          else this.scheduleRetry();
        });
      return;
    }
    this.scheduleRetry();
  }

  /** Reconnect after the backoff, or after `suggested` ms (the server's time) as is. */
  private scheduleRetry(suggested: number | null = null): void {
    let delay = suggested;
    if (delay === null) {
      delay = backoffDelay(this.attempt, this.random);
      this.attempt += 1;
    }
    this.setState({ phase: "reconnecting", attempt: Math.max(1, this.attempt), retryAt: this.now() + delay });
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private startSilenceWatch(): void {
    if (this.silenceTimer !== null) clearInterval(this.silenceTimer);
    this.silenceTimer = setInterval(() => {
      if (isSilent(this.now(), this.lastFrameAt, this.heartbeatSeconds)) {
        this.handleClose(CLOSE_SILENT, true);
      }
    }, 1000);
  }

  // ------------------------------------------------------------ frames

  private receive(text: string): void {
    const frame = decodeServerFrame(text);
    if (frame === null) return;
    switch (frame.type) {
      case "welcome":
        this.onWelcome(frame.heartbeat_seconds);
        break;
      case "event":
        this.onEvent(frame.session, frame.event);
        return;
      case "ack":
        this.sends.acked(frame.session, frame.client_id, frame.seq, this.tracker.has(frame.session, frame.seq));
        break;
      case "error":
        if (frame.client_id !== null) {
          this.sends.errorFor(frame.client_id, frame.code, frame.message, frame.retry_after);
        }
        break;
      default:
        break;
    }
    this.options.handlers.frame?.(frame);
    // After the app has had the welcome (and subscribed to its sessions).
    if (frame.type === "welcome" && this.ready) this.sends.flush();
  }

  private onWelcome(heartbeatSeconds: number): void {
    this.heartbeatSeconds = heartbeatSeconds;
    // The backoff starts over only once this socket has stayed up (handleClose).
    this.welcomedAt = this.now();
    this.ready = true;
    this.subscribedOnSocket.clear();
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => this.transmit({ type: "ping" }), heartbeatSeconds * 1000);
    this.setState({ phase: "open" });
    for (const session of this.subscriptions) {
      this.subscribedOnSocket.add(session);
      this.transmit({ type: "subscribe", session, after: this.tracker.lastSeq(session) });
    }
  }

  private onEvent(session: string, event: SessionEvent): void {
    if (!this.tracker.accept(session, event.seq)) return;
    this.sends.seen(session, event.seq, event.client_id);
    this.options.handlers.event?.(session, event);
  }

  private transmit(frame: ClientFrame): boolean {
    const socket = this.socket;
    if (socket === null || socket.readyState !== OPEN) return false;
    try {
      socket.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  // ------------------------------------------------------------ state

  private setState(state: ConnectionState): void {
    this.current = state;
    this.options.handlers.state?.(state);
  }
}
