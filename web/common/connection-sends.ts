/**
 * The Connection's sends: the outbox (connection-core.ts) kept in sessionStorage, the
 * answers to sends (ack, a refusal for good or for now), the timers that put sends off
 * (a transient refusal's retry, the hold of `rate_limited`) and whom to blame when the
 * socket closes badly. Split from connection.ts, which keeps the socket's life.
 */

import {
  BACKOFF_FIRST_MS,
  BACKOFF_MAX_MS,
  Outbox,
  backoffDelay,
  restoreEntries,
  sendFrame,
  type NewEntry,
  type OutboxEntry,
} from "./connection-core";
import { CLOSE_SERVER_ERROR, CLOSE_TOO_BIG, type ClientFrame } from "./protocol-frames";

export type OutboxStorage = Pick<Storage, "getItem" | "setItem" | "removeItem">;

/** What the sends need from their Connection. */
export interface SendsHost {
  /** Put a frame on the socket now; false when it cannot. */
  transmit(frame: ClientFrame): boolean;
  /** Whether the socket is welcomed, so sends may go out. */
  isReady(): boolean;
  /** The outbox changed: the app re-reads it. */
  changed(): void;
  now(): number;
  random(): number;
}

/** The sends a bad close may be blamed on, noted before the socket's state is dropped. */
export interface Suspects {
  /** The last send put on any socket. */
  lastSent: string | null;
  /** The oldest send of this socket without an answer. */
  oldestUnanswered: string | undefined;
}

/** sessionStorage when the browser allows it. */
export function defaultStorage(): OutboxStorage | null {
  try {
    return typeof sessionStorage === "undefined" ? null : sessionStorage;
  } catch {
    return null;
  }
}

export class Sends {
  private readonly outbox: Outbox;
  private lastSentClientId: string | null = null;
  /** Sends that went out on this socket and have no answer yet, oldest first. */
  private unanswered: string[] = [];
  /** Sends put off by a transient error, and when each goes out again. */
  private readonly deferred = new Map<string, { timer: ReturnType<typeof setTimeout>; tries: number }>();
  /** Set while the server asked us to wait (`rate_limited`): sends stay queued. */
  private holdTimer: ReturnType<typeof setTimeout> | null = null;
  private holdUntil = 0;

  constructor(
    private readonly host: SendsHost,
    private readonly storage: OutboxStorage | null,
    /** Where the outbox survives a reload; none: it lives in memory only. */
    private readonly storageKey: string | undefined,
  ) {
    this.outbox = new Outbox(this.restore());
  }

  /** Queue a message or note; it goes out now if the socket is ready and nothing holds it. */
  add(entry: NewEntry): OutboxEntry {
    const made = this.outbox.add(entry);
    this.changed();
    if (this.host.isReady() && this.holdTimer === null) this.transmitEntry(made);
    return made;
  }

  /** Take a failed entry out, to be sent again as a new send; undefined unless failed. */
  takeFailed(clientId: string): OutboxEntry | undefined {
    const old = this.outbox.get(clientId);
    if (old === undefined || old.state !== "failed") return undefined;
    this.outbox.remove(clientId);
    return old;
  }

  /** Drop every queued send whose session fails `keep`. */
  keepOnly(keep: (session: string) => boolean): void {
    let changed = false;
    for (const entry of this.outbox.all()) {
      if (!keep(entry.session)) changed = this.outbox.remove(entry.clientId) || changed;
    }
    if (changed) this.changed();
  }

  discard(clientId: string): void {
    if (this.outbox.remove(clientId)) this.changed();
  }

  pendingFor(session: string): OutboxEntry[] {
    return this.outbox.forSession(session);
  }

  /** Drop every send of a session (its tab was closed). */
  forgetSession(session: string): void {
    let changed = false;
    for (const entry of this.outbox.forSession(session)) changed = this.outbox.remove(entry.clientId) || changed;
    if (changed) this.changed();
  }

  /** Resend, with their original client ids, the sends not yet acknowledged. */
  flush(): void {
    if (this.holdTimer !== null) return;
    for (const entry of this.outbox.unacknowledged()) this.transmitEntry(entry);
  }

  /** `ack`: committed as `seq`; `seen` when its event already came (the line is done). */
  acked(session: string, clientId: string, seq: number, seen: boolean): void {
    this.answered(clientId);
    this.undefer(clientId);
    const entry = this.outbox.ack(clientId, seq);
    if (entry !== undefined) {
      if (seen) this.outbox.resolve(session, seq, clientId);
      this.changed();
    }
  }

  /** An `error` answering the send `clientId`. */
  errorFor(clientId: string, code: string, message: string, retryAfter: number | null): void {
    if (code === "rate_limited" && this.outbox.get(clientId)?.state === "pending") {
      // Sent too fast: every send waits (in order) until the server said, then goes out.
      this.answered(clientId);
      this.hold(retryAfter ?? 1);
    } else {
      this.refused(clientId, code, message, retryAfter);
    }
  }

  /** A new event: drop the send it confirms. */
  seen(session: string, seq: number, clientId: string | null): void {
    if (this.outbox.resolve(session, seq, clientId)) this.changed();
  }

  suspects(): Suspects {
    return { lastSent: this.lastSentClientId, oldestUnanswered: this.unanswered[0] };
  }

  /** The socket closed with `code` and the client reconnects: blame a send if it was one. */
  blame(code: number, suspects: Suspects): void {
    if (code === CLOSE_TOO_BIG && suspects.lastSent !== null) {
      // The transport refused our frame: drop it rather than resend it forever.
      if (this.outbox.fail(suspects.lastSent, { code: "too_large", message: "This message is too large to send." }) !== undefined) {
        this.changed();
      }
    }
    if (code === CLOSE_SERVER_ERROR && suspects.oldestUnanswered !== undefined) {
      // The server failed while handling our oldest unanswered send (it answers frames
      // in order): after MAX_STRIKES such failures that send is given up.
      if (this.outbox.strike(suspects.oldestUnanswered) !== undefined) this.changed();
    }
  }

  /** The socket is gone: nothing is unanswered on it, and put-off sends wait for the next. */
  socketGone(): void {
    this.unanswered = [];
    // A reconnect's flush sends them all again; a later one counts its tries afresh.
    for (const { timer } of this.deferred.values()) clearTimeout(timer);
    this.deferred.clear();
  }

  /** Closed for good: the hold ends too. */
  stop(): void {
    if (this.holdTimer !== null) clearTimeout(this.holdTimer);
    this.holdTimer = null;
  }

  // ------------------------------------------------------------ timers

  /** Send nothing for `seconds`, then everything still queued, in order. */
  private hold(seconds: number): void {
    const until = this.host.now() + Math.max(1, seconds) * 1000;
    if (this.holdTimer !== null && until <= this.holdUntil) return;
    if (this.holdTimer !== null) clearTimeout(this.holdTimer);
    this.holdUntil = until;
    this.holdTimer = setTimeout(() => {
      this.holdTimer = null;
      if (this.host.isReady()) this.flush();
    }, until - this.host.now());
  }

  /**
   * The server refused a send: a final error shows it as failed (never resent as is);
   * a transient one (rate_limited, unavailable) keeps it and sends it again after
   * `retry_after` seconds, or with backoff.
   */
  private refused(clientId: string, code: string, message: string, retryAfter: number | null): void {
    this.answered(clientId);
    const entry = this.outbox.refuse(clientId, { code, message });
    if (entry === undefined) return;
    this.changed();
    if (entry.state !== "pending") return;
    const previous = this.deferred.get(clientId);
    if (previous !== undefined) clearTimeout(previous.timer);
    const tries = (previous?.tries ?? 0) + 1;
    const delay =
      retryAfter !== null
        ? Math.min(BACKOFF_MAX_MS, Math.max(BACKOFF_FIRST_MS, retryAfter * 1000))
        : backoffDelay(tries - 1, () => this.host.random());
    const timer = setTimeout(() => {
      const now = this.outbox.get(clientId);
      if (now !== undefined && now.state === "pending" && this.host.isReady()) this.transmitEntry(now);
    }, delay);
    this.deferred.set(clientId, { timer, tries });
  }

  private undefer(clientId: string): void {
    const deferred = this.deferred.get(clientId);
    if (deferred === undefined) return;
    clearTimeout(deferred.timer);
    this.deferred.delete(clientId);
  }

  private transmitEntry(entry: OutboxEntry): void {
    if (!this.host.transmit(sendFrame(entry))) return;
    this.lastSentClientId = entry.clientId;
    if (!this.unanswered.includes(entry.clientId)) this.unanswered.push(entry.clientId);
  }

  private answered(clientId: string): void {
    this.unanswered = this.unanswered.filter((id) => id !== clientId);
  }

  // ------------------------------------------------------------ storage

  private changed(): void {
    this.persist();
    this.host.changed();
  }

  private restore(): OutboxEntry[] {
    const key = this.storageKey;
    if (key === undefined || this.storage === null) return [];
    try {
      const text = this.storage.getItem(key);
      return text === null ? [] : restoreEntries(JSON.parse(text));
    } catch {
      return [];
    }
  }

  private persist(): void {
    const key = this.storageKey;
    if (key === undefined || this.storage === null) return;
    try {
      const keep = this.outbox.all().filter((e) => e.state !== "acked");
      if (keep.length === 0) this.storage.removeItem(key);
      else this.storage.setItem(key, JSON.stringify(keep));
    } catch {
      /* storage full or blocked: the outbox still lives in memory */
    }
  }
}
