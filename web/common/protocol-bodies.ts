/**
 * The bodies of the HTTP API's answers (docs/protocol.md) beside sessions and events:
 * session codes and links, portals, invitations, scripts, the history, transcripts and
 * files, each with its forgiving decoder. Split from protocol.ts to keep each small.
 */

import { decodeEvent, decodeSession, type Session, type SessionEvent } from "./protocol";
import { arr, bool, isObject, num, obj, optNum, optStr, str } from "./protocol-json";

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
