/**
 * The wire types of docs/protocol.md for people, sessions and events, and decoders
 * that turn untrusted JSON into them. The other parts of the protocol have their own
 * modules: protocol-bodies.ts (HTTP bodies), protocol-frames.ts (socket frames),
 * protocol-server-frames.ts (decoding them), protocol-json.ts (the field readers).
 *
 * The decoders never throw on a missing or mistyped field: they fall back to a safe
 * default, so a server that adds or omits a field cannot break the screen.
 */

import { arr, bool, isObject, num, obj, optNum, optStr, str, stringMap } from "./protocol-json";

// ---------------------------------------------------------------- people

export interface Preferences {
  idle_warning_seconds: number;
  idle_alert_seconds: number;
  chat_sound: boolean;
  alert_sound: boolean;
  font_size: number;
  spell_check: boolean;
  right_nav_open: boolean;
  /** How long a new-request alert stays up in the console, in seconds (5 to 600). */
  request_alert_seconds: number;
}

export const DEFAULT_PREFERENCES: Readonly<Preferences> = {
  idle_warning_seconds: 60,
  idle_alert_seconds: 120,
  chat_sound: false,
  alert_sound: true,
  font_size: 14,
  spell_check: true,
  right_nav_open: true,
  request_alert_seconds: 30,
};

export function decodePreferences(value: unknown): Preferences {
  const o = isObject(value) ? value : {};
  const d = DEFAULT_PREFERENCES;
  return {
    idle_warning_seconds: num(o, "idle_warning_seconds", d.idle_warning_seconds),
    idle_alert_seconds: num(o, "idle_alert_seconds", d.idle_alert_seconds),
    chat_sound: bool(o, "chat_sound", d.chat_sound),
    alert_sound: bool(o, "alert_sound", d.alert_sound),
    font_size: num(o, "font_size", d.font_size),
    spell_check: bool(o, "spell_check", d.spell_check),
    right_nav_open: bool(o, "right_nav_open", d.right_nav_open),
    request_alert_seconds: num(o, "request_alert_seconds", d.request_alert_seconds),
  };
}

export interface Me {
  id: number;
  username: string;
  name: string;
  role: "representative" | "manager";
  preferences: Preferences;
  max_concurrent_sessions: number;
}

export function decodeMe(value: unknown): Me {
  const o = isObject(value) ? value : {};
  return {
    id: num(o, "id"),
    username: str(o, "username"),
    name: str(o, "name"),
    role: str(o, "role") === "manager" ? "manager" : "representative",
    preferences: decodePreferences(o["preferences"]),
    max_concurrent_sessions: num(o, "max_concurrent_sessions", 0),
  };
}

export interface Representative {
  id: number;
  name: string;
  username: string;
  online: boolean;
  /** Open sessions they are in (sent by the server beside `online`). */
  active_sessions: number;
}

export function decodeRepresentative(value: unknown): Representative {
  const o = isObject(value) ? value : {};
  return {
    id: num(o, "id"),
    name: str(o, "name"),
    username: str(o, "username"),
    online: bool(o, "online"),
    active_sessions: num(o, "active_sessions"),
  };
}

// ---------------------------------------------------------------- sessions

export type SessionStatus = "waiting" | "active" | "ended";
export type Outcome = "resolved" | "unresolved" | "unknown";

export const OUTCOMES: readonly Outcome[] = ["resolved", "unresolved", "unknown"];

export function decodeOutcome(value: unknown): Outcome | null {
  return OUTCOMES.find((o) => o === value) ?? null;
}

export interface Attendee {
  /** Absent in the customer's copy. */
  id: number | null;
  name: string;
  role: "primary" | "invited";
  masked: boolean;
  /** Whether still in the session (a representative's copy may list those who left). */
  present: boolean;
  /** Not in the protocol; used when a server sends it. */
  joined_at: string | null;
}

/** What the customer uses: a web browser, or the Helpline agent on their computer. */
export type ClientApp = "browser" | "agent";

/** The customer, and their computer as far as the server knows it ("" where nobody reported). */
export interface Customer {
  name: string;
  os: string;
  browser: string;
  kernel: string;
  arch: string;
  host: string;
  user: string;
  app: ClientApp;
  /** At least one of the customer's sockets is open, on any server process. */
  online: boolean;
}

export function decodeCustomer(value: unknown): Customer {
  const o = isObject(value) ? value : {};
  return {
    name: str(o, "name"),
    os: str(o, "os", "Unknown"),
    browser: str(o, "browser", "Unknown"),
    kernel: str(o, "kernel"),
    arch: str(o, "arch"),
    host: str(o, "host"),
    user: str(o, "user"),
    app: str(o, "app") === "agent" ? "agent" : "browser",
    online: bool(o, "online"),
  };
}

export interface Session {
  id: string;
  status: SessionStatus;
  started_at: string;
  portal: { slug: string; name: string } | null;
  customer: Customer;
  query: string;
  fields: Record<string, string>;
  attendees: Attendee[];
  ended_at: string | null;
  ended_by: string | null;
  /** Representatives' copies only; null while open or when none was given. */
  outcome: Outcome | null;
  end_notes: string;
}

function decodeStatus(value: string): SessionStatus {
  return value === "active" || value === "ended" ? value : "waiting";
}

export function decodeAttendee(value: unknown): Attendee {
  const o = isObject(value) ? value : {};
  return {
    id: optNum(o, "id"),
    name: str(o, "name"),
    role: str(o, "role") === "primary" ? "primary" : "invited",
    masked: bool(o, "masked"),
    present: bool(o, "present", true),
    joined_at: optStr(o, "joined_at"),
  };
}

export function decodeSession(value: unknown): Session {
  const o = isObject(value) ? value : {};
  const portal = o["portal"];
  return {
    id: str(o, "id"),
    status: decodeStatus(str(o, "status")),
    started_at: str(o, "started_at"),
    portal: isObject(portal) ? { slug: str(portal, "slug"), name: str(portal, "name") } : null,
    customer: decodeCustomer(o["customer"]),
    query: str(o, "query"),
    fields: stringMap(obj(o, "fields")),
    attendees: arr(o, "attendees").map(decodeAttendee),
    ended_at: optStr(o, "ended_at"),
    ended_by: optStr(o, "ended_by"),
    outcome: decodeOutcome(o["outcome"]),
    end_notes: str(o, "end_notes"),
  };
}

// ---------------------------------------------------------------- events

export type EventKind = "message" | "note" | "status" | "consent_requested" | "consent_answered";
export type AudienceKind = "everyone" | "representatives" | "one";

export interface SessionEvent {
  seq: number;
  at: string;
  kind: EventKind;
  audience: AudienceKind;
  to: { id: number | null; name: string } | null;
  author: { kind: "customer" | "representative" | "system"; id: number | null; name: string };
  body: { text: string; action: string | null; [key: string]: string | number | boolean | null };
  internal: Record<string, string>;
  masked: boolean;
  client_id: string | null;
}

const EVENT_KINDS: readonly EventKind[] = [
  "message",
  "note",
  "status",
  "consent_requested",
  "consent_answered",
];

export function decodeEvent(value: unknown): SessionEvent | null {
  if (!isObject(value)) return null;
  const seq = optNum(value, "seq");
  if (seq === null) return null;
  const kindText = str(value, "kind");
  const kind = EVENT_KINDS.find((k) => k === kindText) ?? "status";
  const audienceText = str(value, "audience");
  const audience: AudienceKind =
    audienceText === "representatives" || audienceText === "one" ? audienceText : "everyone";
  const to = value["to"];
  const author = obj(value, "author");
  const authorKind = str(author, "kind");
  const rawBody = obj(value, "body");
  const body: SessionEvent["body"] = { text: "", action: null };
  for (const [k, v] of Object.entries(rawBody)) {
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean" || v === null) {
      body[k] = v;
    }
  }
  body.text = str(rawBody, "text");
  body.action = optStr(rawBody, "action");
  return {
    seq,
    at: str(value, "at"),
    kind,
    audience,
    to: isObject(to) ? { id: optNum(to, "id"), name: str(to, "name") } : null,
    author: {
      kind: authorKind === "customer" || authorKind === "representative" ? authorKind : "system",
      id: optNum(author, "id"),
      name: str(author, "name", authorKind === "system" ? "Helpline" : ""),
    },
    body,
    internal: stringMap(obj(value, "internal")),
    masked: bool(value, "masked"),
    client_id: optStr(value, "client_id"),
  };
}
