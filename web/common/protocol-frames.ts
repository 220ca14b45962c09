/**
 * The socket's frames of docs/protocol.md: what a client sends, what the server sends,
 * and the close codes. Types only (and constants), shared by the connection, the apps
 * and protocol-server-frames.ts, which decodes the server's frames.
 */

import type { Invitation } from "./protocol-bodies";
import type { Me, Session, SessionEvent } from "./protocol";

export type Recipient = "everyone" | "representatives" | number;

export type ClientFrame =
  | { type: "subscribe"; session: string; after: number }
  | { type: "unsubscribe"; session: string }
  | {
      type: "send";
      session: string;
      client_id: string;
      kind: "message" | "note";
      text: string;
      to?: Recipient;
    }
  | { type: "ping" }
  | { type: "consent"; session: string; request: string; allow: boolean; reason?: "no_display" }
  | { type: "url_opened"; session: string; seq: number; opened: boolean }
  | { type: "screen"; session: string; sharing: true; request: string }
  | { type: "screen"; session: string; sharing: false }
  | { type: "watch"; session: string; on?: false };

export type ServerFrame =
  | {
      type: "welcome";
      role: "representative";
      me: Me;
      sessions: Session[];
      queue: Session[];
      invitations: Invitation[];
      heartbeat_seconds: number;
    }
  | { type: "welcome"; role: "customer"; session: Session; heartbeat_seconds: number }
  | { type: "subscribed"; session: Session; last_seq: number }
  | { type: "event"; session: string; event: SessionEvent }
  | { type: "ack"; session: string; client_id: string; seq: number; duplicate: boolean }
  | { type: "session"; session: Session }
  | { type: "assigned"; session: Session }
  | { type: "queue"; action: "added" | "removed"; session: Session }
  | { type: "invitation"; invitation: Invitation }
  | { type: "invitation_closed"; id: number }
  | { type: "screen_watch"; session: string }
  /** Customer: a representative sends the Helpline agent; show the command to run. */
  | { type: "agent_offer"; session: string; command: string; expires_at: string }
  | { type: "heartbeat" }
  | { type: "pong" }
  | {
      type: "error";
      code: string;
      message: string;
      session: string | null;
      client_id: string | null;
      /** Seconds to wait before sending again (transient errors), when the server says. */
      retry_after: number | null;
    };

export const DEFAULT_HEARTBEAT_SECONDS = 25;

/** Close codes of docs/protocol.md. */
export const CLOSE_LOGGED_OUT = 4001;
export const CLOSE_SESSION_ENDED = 4002;
export const CLOSE_CREDENTIALS_EXPIRED = 4003;
export const CLOSE_SILENT = 4008;
export const CLOSE_TOO_BIG = 1009;
export const CLOSE_SERVER_ERROR = 1011;
/** The server is busy letting other sockets in; the close reason is milliseconds to wait. */
export const CLOSE_TRY_AGAIN_LATER = 1013;
