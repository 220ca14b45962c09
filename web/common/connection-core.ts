/**
 * The pure heart of the WebSocket client: sequence tracking, duplicate dropping, the
 * outbox of unacknowledged sends, backoff, close-code handling and silence detection.
 * No I/O and no timers here, so every rule is unit-tested (connection-core.test.ts).
 */

import { type Problem, SERVER_FAILED } from "./i18n/problems";
import {
  type ClientFrame,
  CLOSE_CREDENTIALS_EXPIRED,
  CLOSE_LOGGED_OUT,
  CLOSE_SESSION_ENDED,
  CLOSE_TRY_AGAIN_LATER,
  type Recipient,
} from "./protocol-frames";

// ---------------------------------------------------------------- seq tracking

/**
 * Remembers, per session, every `seq` seen and the highest one. Delivery is at least
 * once and a viewer's `seq`s have holes, so "seen" is a set, not a counter.
 */
export class SeqTracker {
  private readonly seen = new Map<string, Set<number>>();
  private readonly last = new Map<string, number>();

  /** The `after` to subscribe with: the highest seq seen, 0 if none. */
  lastSeq(session: string): number {
    return this.last.get(session) ?? 0;
  }

  has(session: string, seq: number): boolean {
    return this.seen.get(session)?.has(seq) ?? false;
  }

  /** Record `seq`; `true` if it is new (show it), `false` for a duplicate (drop it). */
  accept(session: string, seq: number): boolean {
    let set = this.seen.get(session);
    if (set === undefined) {
      set = new Set();
      this.seen.set(session, set);
    }
    if (set.has(seq)) return false;
    set.add(seq);
    if (seq > (this.last.get(session) ?? 0)) this.last.set(session, seq);
    return true;
  }

  forget(session: string): void {
    this.seen.delete(session);
    this.last.delete(session);
  }

  sessions(): string[] {
    return [...this.last.keys()];
  }
}

// ---------------------------------------------------------------- outbox

export type SendKind = "message" | "note";

export interface OutboxEntry {
  readonly clientId: string;
  readonly session: string;
  readonly kind: SendKind;
  readonly text: string;
  /** `undefined` sends no `to` (the server's default, everyone). */
  readonly to: Recipient | undefined;
  /** Milliseconds since the epoch, when the entry was made. */
  readonly createdAt: number;
  /** pending: not acknowledged; acked: committed, its event not yet seen; failed: refused. */
  readonly state: "pending" | "acked" | "failed";
  readonly seq: number | null;
  /** Why it failed; for a pending entry, why its last try was put off. */
  readonly error: Problem | null;
  /** How often the server went down while this send was the oldest unanswered one. */
  readonly strikes: number;
}

export interface NewEntry {
  clientId: string;
  session: string;
  kind: SendKind;
  text: string;
  to?: Recipient | undefined;
  createdAt: number;
}

/**
 * Sends that the server has not yet confirmed, in the order they were made. An entry
 * stays `pending` until its `ack`; it is resent (same `client_id`, the server dedupes)
 * after every reconnect. After the ack it stays as `acked` until its event arrives,
 * so the line never blinks out between ack and event. A refused send is `failed`
 * and is never resent as is.
 */
export class Outbox {
  private entries: OutboxEntry[] = [];

  constructor(initial: readonly OutboxEntry[] = []) {
    this.entries = [...initial];
  }

  add(entry: NewEntry): OutboxEntry {
    const made: OutboxEntry = {
      clientId: entry.clientId,
      session: entry.session,
      kind: entry.kind,
      text: entry.text,
      to: entry.to,
      createdAt: entry.createdAt,
      state: "pending",
      seq: null,
      error: null,
      strikes: 0,
    };
    this.entries.push(made);
    return made;
  }

  get(clientId: string): OutboxEntry | undefined {
    return this.entries.find((e) => e.clientId === clientId);
  }

  /** The server committed `clientId` as `seq`. Returns the entry, if it was ours. */
  ack(clientId: string, seq: number): OutboxEntry | undefined {
    return this.update(clientId, (e) => ({ ...e, state: "acked", seq, error: null }));
  }

  /** The server refused `clientId`: keep the text on screen, never resend it as is. */
  fail(clientId: string, problem: Problem): OutboxEntry | undefined {
    return this.update(clientId, (e) =>
      e.state === "acked" ? e : { ...e, state: "failed", error: problem },
    );
  }

  /**
   * The server answered `clientId` with an error: a final one fails the entry (never
   * resent as is), a transient one (`isTransientError`) keeps it pending, to be sent
   * again later, with the reason noted. Returns the entry, if it was ours.
   */
  refuse(clientId: string, problem: Problem): OutboxEntry | undefined {
    if (!isTransientError(problem.code)) return this.fail(clientId, problem);
    return this.update(clientId, (e) => (e.state === "pending" ? { ...e, error: problem } : e));
  }

  /**
   * The server went down (1011) while `clientId` was the oldest send it had not
   * answered: count it against the entry, and fail the entry at `MAX_STRIKES`, so a
   * line the server cannot take is not resent on every reconnect (nor after a reload).
   */
  strike(clientId: string): OutboxEntry | undefined {
    return this.update(clientId, (e) => {
      if (e.state !== "pending") return e;
      const strikes = e.strikes + 1;
      return strikes >= MAX_STRIKES
        ? { ...e, strikes, state: "failed", error: { code: SERVER_FAILED, message: SERVER_FAILED_MESSAGE } }
        : { ...e, strikes };
    });
  }

  /**
   * An event was shown: drop the entry it confirms (by seq, or by client id when the
   * event carries ours). Returns whether anything was dropped.
   */
  resolve(session: string, seq: number, clientId: string | null): boolean {
    const before = this.entries.length;
    this.entries = this.entries.filter(
      (e) =>
        !(
          e.session === session &&
          ((e.state === "acked" && e.seq === seq) || (clientId !== null && e.clientId === clientId))
        ),
    );
    return this.entries.length !== before;
  }

  remove(clientId: string): boolean {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => e.clientId !== clientId);
    return this.entries.length !== before;
  }

  /** Entries still waiting for their ack, oldest first: what to (re)send. */
  unacknowledged(): OutboxEntry[] {
    return this.entries.filter((e) => e.state === "pending");
  }

  /** Everything still to show for a session (pending, acked-not-seen, failed). */
  forSession(session: string): OutboxEntry[] {
    return this.entries.filter((e) => e.session === session);
  }

  all(): OutboxEntry[] {
    return [...this.entries];
  }

  get size(): number {
    return this.entries.length;
  }

  private update(clientId: string, change: (e: OutboxEntry) => OutboxEntry): OutboxEntry | undefined {
    const index = this.entries.findIndex((e) => e.clientId === clientId);
    const current = this.entries[index];
    if (index < 0 || current === undefined) return undefined;
    const next = change(current);
    this.entries[index] = next;
    return next;
  }
}

/** Error codes after which a send is tried again later: the server could not take it now. */
export const TRANSIENT_ERRORS: ReadonlySet<string> = new Set(["rate_limited", "unavailable"]);

/** Whether an `error` answering a send leaves it to be sent again (else it is final). */
export function isTransientError(code: string): boolean {
  return TRANSIENT_ERRORS.has(code);
}

/** Server failures (close 1011) a send may be blamed for before it is given up. */
export const MAX_STRIKES = 2;
export const SERVER_FAILED_MESSAGE = "The server could not take this message. Change it and try again.";

/** The `send` frame for an outbox entry; the same `client_id` every time. */
export function sendFrame(entry: OutboxEntry): ClientFrame {
  const frame: ClientFrame = {
    type: "send",
    session: entry.session,
    client_id: entry.clientId,
    kind: entry.kind,
    text: entry.text,
  };
  if (entry.kind === "message" && entry.to !== undefined) frame.to = entry.to;
  return frame;
}

/** Validate entries read back from storage (a reload keeps what was typed). */
export function restoreEntries(value: unknown): OutboxEntry[] {
  if (!Array.isArray(value)) return [];
  const out: OutboxEntry[] = [];
  for (const item of value as unknown[]) {
    if (typeof item !== "object" || item === null) continue;
    const o = item as Record<string, unknown>;
    const { clientId, session, kind, text, to, createdAt } = o;
    if (typeof clientId !== "string" || typeof session !== "string" || typeof text !== "string") continue;
    if (kind !== "message" && kind !== "note") continue;
    const recipient: Recipient | undefined =
      to === "everyone" || to === "representatives" || typeof to === "number" ? to : undefined;
    const state = o["state"];
    // An acked entry whose event we never saw is committed: nothing to resend.
    if (state === "acked") continue;
    out.push({
      clientId,
      session,
      kind,
      text,
      to: recipient,
      createdAt: typeof createdAt === "number" ? createdAt : Date.now(),
      state: state === "failed" ? "failed" : "pending",
      seq: null,
      error: restoreProblem(o["error"]),
      strikes: typeof o["strikes"] === "number" && o["strikes"] >= 0 ? o["strikes"] : 0,
    });
  }
  return out;
}

// ---------------------------------------------------------------- reconnecting

export const BACKOFF_FIRST_MS = 1000;
export const BACKOFF_MAX_MS = 30000;

/**
 * Delay before reconnect attempt number `attempt` (0 for the first retry): 1 s
 * doubling to 30 s, each spread by ±25% jitter so that many clients do not return
 * at the same moment. Never more than 30 s.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.min(attempt, 16));
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** exponent);
  const jittered = base * (0.75 + 0.5 * random());
  return Math.round(Math.min(BACKOFF_MAX_MS, Math.max(BACKOFF_FIRST_MS * 0.75, jittered)));
}

/**
 * The wait the server asked for when it turned the socket away (1013, the reason in
 * milliseconds), plus up to a fifth more at random so the clients it gave one time do
 * not all come at once; null for any other close (then the backoff applies).
 */
export function suggestedDelay(code: number, reason: string, random: () => number = Math.random): number | null {
  if (code !== CLOSE_TRY_AGAIN_LATER || !/^\d{1,9}$/.test(reason)) return null;
  return Math.round(Number(reason) * (1 + 0.2 * random()));
}

export type CloseAction =
  | { kind: "reconnect" }
  | { kind: "logged_out" }
  | { kind: "expired" }
  | { kind: "ended" };

/** What the client does when the socket closes with `code` (docs/protocol.md, Close codes). */
export function closeAction(code: number): CloseAction {
  switch (code) {
    case CLOSE_LOGGED_OUT:
      return { kind: "logged_out" };
    case CLOSE_CREDENTIALS_EXPIRED:
      return { kind: "expired" };
    case CLOSE_SESSION_ENDED:
      return { kind: "ended" };
    default:
      // 4008 (silence), 1009 (too big) and every network or server failure.
      return { kind: "reconnect" };
  }
}

/** How long a welcomed socket must stay open before the backoff starts over. */
export const STABLE_CONNECTION_MS = 20_000;

/**
 * The reconnect attempt number after a close: back to 0 when the socket had been
 * welcomed for `STABLE_CONNECTION_MS` (the server is well), else counting on, so a
 * server that welcomes and then fails every socket is not retried every second.
 */
export function attemptAfterClose(attempt: number, welcomedForMs: number | null): number {
  return welcomedForMs !== null && welcomedForMs >= STABLE_CONNECTION_MS ? 0 : attempt;
}

/** A socket that has heard no frame for three heartbeat intervals is dead. */
export function isSilent(nowMs: number, lastFrameAtMs: number, heartbeatSeconds: number): boolean {
  return nowMs - lastFrameAtMs > 3 * heartbeatSeconds * 1000;
}

/** A stored entry's reason; one kept as bare English (an older page's) has no code. */
function restoreProblem(value: unknown): Problem | null {
  if (typeof value === "string") return { code: "error", message: value };
  if (typeof value !== "object" || value === null) return null;
  const { code, message } = value as Record<string, unknown>;
  return typeof code === "string" && typeof message === "string" ? { code, message } : null;
}
