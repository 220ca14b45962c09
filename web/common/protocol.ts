/**
 * The wire types of docs/protocol.md, and decoders that turn untrusted JSON into them.
 *
 * The decoders never throw on a missing or mistyped field: they fall back to a safe
 * default, so a server that adds or omits a field cannot break the screen. A frame
 * without a known `type` decodes to `null` and is ignored.
 */

export type JsonObject = { readonly [key: string]: unknown };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function str(o: JsonObject, key: string, fallback = ""): string {
  const v = o[key];
  return typeof v === "string" ? v : fallback;
}

function optStr(o: JsonObject, key: string): string | null {
  const v = o[key];
  return typeof v === "string" ? v : null;
}

function num(o: JsonObject, key: string, fallback = 0): number {
  const v = o[key];
  return typeof v === "number" && Number.isFinite(v) ? v : fallback;
}

function optNum(o: JsonObject, key: string): number | null {
  const v = o[key];
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

function bool(o: JsonObject, key: string, fallback = false): boolean {
  const v = o[key];
  return typeof v === "boolean" ? v : fallback;
}

function obj(o: JsonObject, key: string): JsonObject {
  const v = o[key];
  return isObject(v) ? v : {};
}

function arr(o: JsonObject, key: string): readonly unknown[] {
  const v = o[key];
  return Array.isArray(v) ? v : [];
}

function stringMap(value: JsonObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === "string") out[k] = v;
    else if (typeof v === "number" || typeof v === "boolean") out[k] = String(v);
  }
  return out;
}

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

export interface SessionCode {
  code: string;
  expires_at: string;
  join_url: string;
  /** The link with its secret: only in the answer that made the code. */
  join_link: string | null;
}

export function decodeSessionCode(value: unknown): SessionCode {
  const o = isObject(value) ? value : {};
  return {
    code: str(o, "code"),
    expires_at: str(o, "expires_at"),
    join_url: str(o, "join_url"),
    join_link: optStr(o, "join_link"),
  };
}

/** Whether the server has paused joining by code (too many wrong codes were tried). */
export function decodeCodeJoiningPaused(value: unknown): boolean {
  return isObject(value) ? bool(value, "code_joining_paused") : false;
}

/** The secret of a join link (`/join/<code>#link=<secret>`), from the page's hash. */
export function joinLinkSecret(hash: string): string | null {
  const m = /^#link=([A-Za-z0-9_-]{22,128})$/.exec(hash);
  return m?.[1] ?? null;
}

/** POST /api/sessions/{id}/agent-link: the link and command that attach the agent. */
export interface AgentLink {
  secret_url: string;
  command: string;
  expires_at: string;
}

export function decodeAgentLink(value: unknown): AgentLink {
  const o = isObject(value) ? value : {};
  return { secret_url: str(o, "secret_url"), command: str(o, "command"), expires_at: str(o, "expires_at") };
}

export interface Portal {
  slug: string;
  name: string;
  fields: string[];
}

export function decodePortal(value: unknown): Portal {
  const o = isObject(value) ? value : {};
  return {
    slug: str(o, "slug"),
    name: str(o, "name"),
    fields: arr(o, "fields").filter((f): f is string => typeof f === "string"),
  };
}

/** A portal as GET /api/portals lists it for a representative. */
export interface PortalInfo {
  slug: string;
  name: string;
  greeting: string;
  /** Whether I serve this portal. */
  member: boolean;
}

export function decodePortalInfo(value: unknown): PortalInfo {
  const o = isObject(value) ? value : {};
  return { slug: str(o, "slug"), name: str(o, "name"), greeting: str(o, "greeting"), member: bool(o, "member") };
}

// ---------------------------------------------------------------- session tools

export type InvitationKind = "invite" | "transfer";

export interface Invitation {
  id: number;
  kind: InvitationKind;
  session: { id: string; customer: string; query: string };
  from: string;
  from_id: number | null;
  /** The portal's name when the offer went to a whole portal. */
  portal: string | null;
  masked: boolean;
  comment: string;
  expires_at: string;
}

export function decodeInvitation(value: unknown): Invitation | null {
  if (!isObject(value)) return null;
  const id = optNum(value, "id");
  if (id === null) return null;
  const session = obj(value, "session");
  return {
    id,
    kind: str(value, "kind") === "transfer" ? "transfer" : "invite",
    session: { id: str(session, "id"), customer: str(session, "customer"), query: str(session, "query") },
    from: str(value, "from"),
    from_id: optNum(value, "from_id"),
    portal: optStr(value, "portal"),
    masked: bool(value, "masked"),
    comment: str(value, "comment"),
    expires_at: str(value, "expires_at"),
  };
}

export type ScriptKind = "message" | "url";

export interface Script {
  id: number;
  title: string;
  text: string;
}

export interface ScriptCategory {
  id: number;
  name: string;
  /** The team's (kept by managers) or mine. */
  team: boolean;
  editable: boolean;
  scripts: Script[];
}

export function decodeScript(value: unknown): Script {
  const o = isObject(value) ? value : {};
  return { id: num(o, "id"), title: str(o, "title"), text: str(o, "text") };
}

export function decodeScriptCategories(value: unknown): ScriptCategory[] {
  const o = isObject(value) ? value : {};
  return arr(o, "categories").map((item) => {
    const c = isObject(item) ? item : {};
    return {
      id: num(c, "id"),
      name: str(c, "name"),
      team: bool(c, "team"),
      editable: bool(c, "editable"),
      scripts: arr(c, "scripts").map(decodeScript),
    };
  });
}

export interface HistoryPage {
  total: number;
  sessions: Session[];
}

export function decodeHistoryPage(value: unknown): HistoryPage {
  const o = isObject(value) ? value : {};
  return { total: num(o, "total"), sessions: arr(o, "sessions").map(decodeSession) };
}

/** GET /api/sessions/{id}/transcript.json */
export interface TranscriptJson {
  header: string[];
  session: Session;
  events: SessionEvent[];
}

export function decodeTranscript(value: unknown): TranscriptJson {
  const o = isObject(value) ? value : {};
  return {
    header: arr(o, "header").filter((h): h is string => typeof h === "string"),
    session: decodeSession(o["session"]),
    events: arr(o, "events")
      .map(decodeEvent)
      .filter((e): e is SessionEvent => e !== null),
  };
}

// ---------------------------------------------------------------- files

export type FileAudience = "customer" | "representatives";
export type FileState = "offered" | "accepted" | "declined";

/** A shared file as the server lists it (GET /api/sessions/{id}/files). */
export interface SharedFile {
  id: number;
  name: string;
  size: number;
  sha256: string;
  content_type: string;
  audience: FileAudience;
  /** The sender's name. */
  from: string;
  state: FileState;
  at: string;
}

export function decodeFileAudience(value: unknown): FileAudience {
  return value === "representatives" ? "representatives" : "customer";
}

export function decodeSharedFile(value: unknown): SharedFile | null {
  if (!isObject(value)) return null;
  const id = optNum(value, "id");
  if (id === null) return null;
  const state = str(value, "state");
  return {
    id,
    name: str(value, "name", "file"),
    size: num(value, "size"),
    sha256: str(value, "sha256").toLowerCase(),
    content_type: str(value, "content_type", "application/octet-stream"),
    audience: decodeFileAudience(value["audience"]),
    from: str(value, "from"),
    state: state === "accepted" || state === "declined" ? state : "offered",
    at: str(value, "at"),
  };
}

export function decodeSharedFiles(value: unknown): SharedFile[] {
  const o = isObject(value) ? value : {};
  return arr(o, "files")
    .map(decodeSharedFile)
    .filter((f): f is SharedFile => f !== null);
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

// ---------------------------------------------------------------- frames

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

/** Close codes of docs/protocol.md. */
export const CLOSE_LOGGED_OUT = 4001;
export const CLOSE_SESSION_ENDED = 4002;
export const CLOSE_CREDENTIALS_EXPIRED = 4003;
export const CLOSE_SILENT = 4008;
export const CLOSE_TOO_BIG = 1009;
export const CLOSE_SERVER_ERROR = 1011;
