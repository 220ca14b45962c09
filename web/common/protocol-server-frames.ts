/**
 * Decoding the server's socket frames (protocol-frames.ts) from untrusted text. A
 * frame without a known `type`, or without a field it cannot do without, decodes to
 * `null` and is ignored. Split from protocol.ts: the connection is its one user.
 */

import { decodeInvitation, type Invitation } from "./protocol-bodies";
import { decodeEvent, decodeMe, decodeSession } from "./protocol";
import { DEFAULT_HEARTBEAT_SECONDS, type ServerFrame } from "./protocol-frames";
import { arr, bool, isObject, num, optNum, optStr, str, type JsonObject } from "./protocol-json";

function heartbeat(o: JsonObject): number {
  const v = num(o, "heartbeat_seconds", DEFAULT_HEARTBEAT_SECONDS);
  return v > 0 ? v : DEFAULT_HEARTBEAT_SECONDS;
}

/** Decode one text message from the socket; `null` for anything not understood. */
export function decodeServerFrame(text: string): ServerFrame | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(value)) return null;
  const o = value;
  switch (o["type"]) {
    case "welcome":
      if (o["role"] === "customer") {
        return {
          type: "welcome",
          role: "customer",
          session: decodeSession(o["session"]),
          heartbeat_seconds: heartbeat(o),
        };
      }
      return {
        type: "welcome",
        role: "representative",
        me: decodeMe(o["me"]),
        sessions: arr(o, "sessions").map(decodeSession),
        queue: arr(o, "queue").map(decodeSession),
        invitations: arr(o, "invitations")
          .map(decodeInvitation)
          .filter((i): i is Invitation => i !== null),
        heartbeat_seconds: heartbeat(o),
      };
    case "subscribed":
      return { type: "subscribed", session: decodeSession(o["session"]), last_seq: num(o, "last_seq") };
    case "event": {
      const event = decodeEvent(o["event"]);
      const session = optStr(o, "session");
      if (event === null || session === null) return null;
      return { type: "event", session, event };
    }
    case "ack": {
      const session = optStr(o, "session");
      const clientId = optStr(o, "client_id");
      const seq = optNum(o, "seq");
      if (session === null || clientId === null || seq === null) return null;
      return { type: "ack", session, client_id: clientId, seq, duplicate: bool(o, "duplicate") };
    }
    case "session":
    case "assigned":
      if (!isObject(o["session"])) return null;
      return { type: o["type"], session: decodeSession(o["session"]) };
    case "queue": {
      if (!isObject(o["session"])) return null;
      const action = o["action"] === "removed" ? "removed" : "added";
      return { type: "queue", action, session: decodeSession(o["session"]) };
    }
    case "invitation": {
      const invitation = decodeInvitation(o["invitation"]);
      return invitation === null ? null : { type: "invitation", invitation };
    }
    case "invitation_closed": {
      const id = optNum(o, "id");
      return id === null ? null : { type: "invitation_closed", id };
    }
    case "screen_watch": {
      const session = optStr(o, "session");
      return session === null ? null : { type: "screen_watch", session };
    }
    case "agent_offer": {
      const session = optStr(o, "session");
      const command = optStr(o, "command");
      if (session === null || command === null || command === "") return null;
      return { type: "agent_offer", session, command, expires_at: str(o, "expires_at") };
    }
    case "heartbeat":
      return { type: "heartbeat" };
    case "pong":
      return { type: "pong" };
    case "error":
      return {
        type: "error",
        code: str(o, "code", "error"),
        message: str(o, "message", "Something went wrong."),
        session: optStr(o, "session"),
        client_id: optStr(o, "client_id"),
        retry_after: ((v) => (v !== null && v >= 0 ? v : null))(optNum(o, "retry_after")),
      };
    default:
      return null;
  }
}
