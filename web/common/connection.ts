/**
 * The WebSocket client shared by the console and the customer window.
 *
 * It keeps the last `seq` per followed session and re-subscribes with it after every
 * reconnect, drops duplicate events, keeps sends in an outbox (with a client id) until
 * their `ack` and resends them after a reconnect, answers the close codes of the
 * protocol, pings every heartbeat and reconnects when the server falls silent.
 * The rules themselves live in connection-core.ts.
 */

import {
  BACKOFF_FIRST_MS,
  BACKOFF_MAX_MS,
  Outbox,
  SeqTracker,
  attemptAfterClose,
  backoffDelay,
  closeAction,
  isSilent,
  restoreEntries,
  sendFrame,
  type OutboxEntry,
  type SendKind,
} from "./connection-core";
import type { SessionEvent } from "./protocol";
import {
  type ClientFrame,
  CLOSE_SERVER_ERROR,
  CLOSE_SILENT,
  CLOSE_TOO_BIG,
  DEFAULT_HEARTBEAT_SECONDS,
  type Recipient,
  type ServerFrame,
} from "./protocol-frames";
import { decodeServerFrame } from "./protocol-server-frames";

export type ConnectionState =
  /** The first attempt, before any welcome. */
  | { phase: "connecting" }
  | { phase: "open" }
  /** Lost; `retryAt` (ms since epoch) is when the next attempt starts, null while it runs. */
  | { phase: "reconnecting"; attempt: number; retryAt: number | null }
  /** Final: no reconnect. */
  | { phase: "closed"; reason: "logged_out" | "expired" | "ended" | "stopped" };

/** The part of the browser's WebSocket that the connection uses (a fake in tests). */
export interface SocketLike {
  readonly readyState: number;
  /** Bytes queued but not yet sent (absent in fakes: nothing is queued). */
  readonly bufferedAmount?: number;
  /** Set to "arraybuffer": binary messages (screen frames) arrive as ArrayBuffers. */
  binaryType?: BinaryType;
  onopen: ((ev: Event) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
  onclose: ((ev: CloseEvent) => void) | null;
  onerror: ((ev: Event) => void) | null;
  send(data: string | ArrayBufferLike | ArrayBufferView): void;
  close(code?: number, reason?: string): void;
}

export interface ConnectionHandlers {
  /** Every frame but events (those come through onEvent, duplicates dropped). */
  frame?(frame: ServerFrame): void;
  /** A new event of a followed session, each seq once. */
  event?(session: string, event: SessionEvent): void;
  state?(state: ConnectionState): void;
  /** The outbox changed: re-read `pendingFor`. */
  outbox?(): void;
  /** A binary message (a screen frame, see screen.ts). */
  binary?(data: ArrayBuffer): void;
}

/**
 * Asked after a handshake that failed before the socket opened (a refused handshake
 * is a bare 1006 in a browser): "auth" when the credentials are gone, "ended" when
 * the session is over, "retry" otherwise.
 */
export type Probe = () => Promise<"auth" | "ended" | "retry">;

export interface ConnectionOptions {
  /** "/ws/console" or "/ws/customer". */
  path: string;
  handlers: ConnectionHandlers;
  /** Where the outbox survives a reload (sessionStorage); none by default. */
  storageKey?: string;
  probe?: Probe;
  createSocket?: (url: string) => SocketLike;
  storage?: Pick<Storage, "getItem" | "setItem" | "removeItem"> | null;
  newClientId?: () => string;
  now?: () => number;
  random?: () => number;
}

const OPEN = 1;

export function socketUrl(path: string, loc: Pick<Location, "protocol" | "host"> = location): string {
  const scheme = loc.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${loc.host}${path}`;
}

function defaultStorage(): Pick<Storage, "getItem" | "setItem" | "removeItem"> | null {
  try {
    return typeof sessionStorage === "undefined" ? null : sessionStorage;
  } catch {
    return null;
  }
}

export class Connection {
  readonly tracker = new SeqTracker();
  private readonly outbox: Outbox;
  private readonly subscriptions = new Set<string>();
  private readonly subscribedOnSocket = new Set<string>();
  private socket: SocketLike | null = null;
  private ready = false;
  private everOpened = false;
  private attempt = 0;
  private heartbeatSeconds = DEFAULT_HEARTBEAT_SECONDS;
  private lastFrameAt = 0;
  private lastSentClientId: string | null = null;
  /** Sends that went out on this socket and have no answer yet, oldest first. */
  private unanswered: string[] = [];
  /** When this socket was welcomed (ms), null before. */
  private welcomedAt: number | null = null;
  /** Sends put off by a transient error, and when each goes out again. */
  private readonly deferred = new Map<string, { timer: ReturnType<typeof setTimeout>; tries: number }>();
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  /** Set while the server asked us to wait (`rate_limited`): sends stay queued. */
  private holdTimer: ReturnType<typeof setTimeout> | null = null;
  private holdUntil = 0;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private silenceTimer: ReturnType<typeof setInterval> | null = null;
  private current: ConnectionState = { phase: "connecting" };
  private readonly storage: Pick<Storage, "getItem" | "setItem" | "removeItem"> | null;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly newClientId: () => string;
  private readonly createSocket: (url: string) => SocketLike;

  constructor(private readonly options: ConnectionOptions) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.newClientId = options.newClientId ?? (() => crypto.randomUUID());
    this.createSocket = options.createSocket ?? ((url) => new WebSocket(url));
    this.storage = options.storage === undefined ? defaultStorage() : options.storage;
    this.outbox = new Outbox(this.restore());
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
    if (this.holdTimer !== null) clearTimeout(this.holdTimer);
    this.holdTimer = null;
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
    const entry = this.outbox.add({
      clientId: this.newClientId(),
      session,
      kind,
      text,
      to,
      createdAt: this.now(),
    });
    this.outboxChanged();
    if (this.ready && this.holdTimer === null) this.transmitEntry(entry);
    return entry;
  }

  /** Send a failed entry again as a new send (a refused frame is never resent as is). */
  retry(clientId: string): OutboxEntry | undefined {
    const old = this.outbox.get(clientId);
    if (old === undefined || old.state !== "failed") return undefined;
    this.outbox.remove(clientId);
    return this.send(old.session, old.kind, old.text, old.to);
  }

  /** Drop every queued send whose session fails `keep` (e.g. another session's, after rejoining). */
  keepOnly(keep: (session: string) => boolean): void {
    let changed = false;
    for (const entry of this.outbox.all()) {
      if (!keep(entry.session)) changed = this.outbox.remove(entry.clientId) || changed;
    }
    if (changed) this.outboxChanged();
  }

  discard(clientId: string): void {
    if (this.outbox.remove(clientId)) this.outboxChanged();
  }

  pendingFor(session: string): OutboxEntry[] {
    return this.outbox.forSession(session);
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
      this.handleClose(ev.code, opened);
    };
  }

  private locationLike(): Pick<Location, "protocol" | "host"> {
    return typeof location === "undefined" ? { protocol: "http:", host: "localhost" } : location;
  }

  private teardown(code: number): void {
    this.ready = false;
    this.subscribedOnSocket.clear();
    this.unanswered = [];
    this.welcomedAt = null;
    // A reconnect's flush sends them all again; a later one counts its tries afresh.
    for (const { timer } of this.deferred.values()) clearTimeout(timer);
    this.deferred.clear();
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

  private handleClose(code: number, opened: boolean): void {
    const lastSent = this.lastSentClientId;
    const oldestUnanswered = this.unanswered[0];
    const welcomedFor = this.welcomedAt === null ? null : this.now() - this.welcomedAt;
    this.attempt = attemptAfterClose(this.attempt, welcomedFor);
    this.teardown(1000);
    if (this.current.phase === "closed") return;
    const action = closeAction(code);
    if (action.kind !== "reconnect") {
      this.setState({ phase: "closed", reason: action.kind });
      return;
    }
    if (code === CLOSE_TOO_BIG && lastSent !== null) {
      // The transport refused our frame: drop it rather than resend it forever.
      if (this.outbox.fail(lastSent, "This message is too large to send.") !== undefined) {
        this.outboxChanged();
      }
    }
    if (code === CLOSE_SERVER_ERROR && oldestUnanswered !== undefined) {
      // The server failed while handling our oldest unanswered send (it answers frames
      // in order): after MAX_STRIKES such failures that send is given up.
      if (this.outbox.strike(oldestUnanswered) !== undefined) this.outboxChanged();
    }
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

  private scheduleRetry(): void {
    const delay = backoffDelay(this.attempt, this.random);
    this.attempt += 1;
    this.setState({ phase: "reconnecting", attempt: this.attempt, retryAt: this.now() + delay });
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
      case "ack": {
        this.answered(frame.client_id);
        this.undefer(frame.client_id);
        const entry = this.outbox.ack(frame.client_id, frame.seq);
        if (entry !== undefined) {
          if (this.tracker.has(frame.session, frame.seq)) {
            this.outbox.resolve(frame.session, frame.seq, frame.client_id);
          }
          this.outboxChanged();
        }
        break;
      }
      case "error":
        if (frame.client_id === null) break;
        if (frame.code === "rate_limited" && this.outbox.get(frame.client_id)?.state === "pending") {
          // Sent too fast: every send waits (in order) until the server said, then goes out.
          this.answered(frame.client_id);
          this.holdSends(frame.retry_after ?? 1);
        } else {
          this.refused(frame.client_id, frame.code, frame.message, frame.retry_after);
        }
        break;
      default:
        break;
    }
    this.options.handlers.frame?.(frame);
    // After the app has had the welcome (and subscribed to its sessions).
    if (frame.type === "welcome" && this.ready) this.flushOutbox();
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

  /** Resend, with their original client ids, the sends not yet acknowledged. */
  private flushOutbox(): void {
    if (this.holdTimer !== null) return;
    for (const entry of this.outbox.unacknowledged()) this.transmitEntry(entry);
  }

  /** Send nothing for `seconds`, then everything still queued, in order. */
  private holdSends(seconds: number): void {
    const until = this.now() + Math.max(1, seconds) * 1000;
    if (this.holdTimer !== null && until <= this.holdUntil) return;
    if (this.holdTimer !== null) clearTimeout(this.holdTimer);
    this.holdUntil = until;
    this.holdTimer = setTimeout(() => {
      this.holdTimer = null;
      if (this.ready) this.flushOutbox();
    }, until - this.now());
  }

  private onEvent(session: string, event: SessionEvent): void {
    if (!this.tracker.accept(session, event.seq)) return;
    if (this.outbox.resolve(session, event.seq, event.client_id)) this.outboxChanged();
    this.options.handlers.event?.(session, event);
  }

  private transmitEntry(entry: OutboxEntry): void {
    if (!this.transmit(sendFrame(entry))) return;
    this.lastSentClientId = entry.clientId;
    if (!this.unanswered.includes(entry.clientId)) this.unanswered.push(entry.clientId);
  }

  private answered(clientId: string): void {
    this.unanswered = this.unanswered.filter((id) => id !== clientId);
  }

  private undefer(clientId: string): void {
    const deferred = this.deferred.get(clientId);
    if (deferred === undefined) return;
    clearTimeout(deferred.timer);
    this.deferred.delete(clientId);
  }

  /**
   * The server refused a send: a final error shows it as failed (never resent as is);
   * a transient one (rate_limited, unavailable) keeps it and sends it again after
   * `retry_after` seconds, or with backoff.
   */
  private refused(clientId: string, code: string, message: string, retryAfter: number | null): void {
    this.answered(clientId);
    const entry = this.outbox.refuse(clientId, code, message);
    if (entry === undefined) return;
    this.outboxChanged();
    if (entry.state !== "pending") return;
    const previous = this.deferred.get(clientId);
    if (previous !== undefined) clearTimeout(previous.timer);
    const tries = (previous?.tries ?? 0) + 1;
    const delay =
      retryAfter !== null
        ? Math.min(BACKOFF_MAX_MS, Math.max(BACKOFF_FIRST_MS, retryAfter * 1000))
        : backoffDelay(tries - 1, this.random);
    const timer = setTimeout(() => {
      const now = this.outbox.get(clientId);
      if (now !== undefined && now.state === "pending" && this.ready) this.transmitEntry(now);
    }, delay);
    this.deferred.set(clientId, { timer, tries });
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

  // ------------------------------------------------------------ state, storage

  private setState(state: ConnectionState): void {
    this.current = state;
    this.options.handlers.state?.(state);
  }

  private outboxChanged(): void {
    this.persist();
    this.options.handlers.outbox?.();
  }

  private restore(): OutboxEntry[] {
    const key = this.options.storageKey;
    if (key === undefined || this.storage === null) return [];
    try {
      const text = this.storage.getItem(key);
      return text === null ? [] : restoreEntries(JSON.parse(text));
    } catch {
      return [];
    }
  }

  private persist(): void {
    const key = this.options.storageKey;
    if (key === undefined || this.storage === null) return;
    try {
      const keep = this.outbox.all().filter((e) => e.state !== "acked");
      if (keep.length === 0) this.storage.removeItem(key);
      else this.storage.setItem(key, JSON.stringify(keep));
    } catch {
      /* storage full or blocked: the outbox still lives in memory */
    }
  }

  /** Forget everything about a session (its tab was closed). */
  forget(session: string): void {
    this.unsubscribe(session);
    this.tracker.forget(session);
    let changed = false;
    for (const entry of this.outbox.forSession(session)) changed = this.outbox.remove(entry.clientId) || changed;
    if (changed) this.outboxChanged();
  }

  /** Whether `everOpened`: used by the customer page to tell "never connected" apart. */
  get hasOpened(): boolean {
    return this.everOpened;
  }
}
