/**
 * The types of the WebSocket client (connection.ts): its states, the socket it drives
 * (the browser's, or a fake in tests), the app's handlers and the options. Split from
 * connection.ts so the apps and tests can name them without the class.
 */

import type { OutboxStorage } from "./connection-sends";
import type { ServerFrame } from "./protocol-frames";
import type { SessionEvent } from "./protocol";

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
  storage?: OutboxStorage | null;
  newClientId?: () => string;
  now?: () => number;
  random?: () => number;
}
