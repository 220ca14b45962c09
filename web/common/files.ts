/**
 * File transfer for both apps: the list of a session's files from its status notes
 * (and the server's list), uploads with progress (XMLHttpRequest), downloads with
 * progress that are checked against the SHA-256 before they are saved.
 */

import { ApiError, api, errorFromBody, seg } from "./api";
import type { SessionEvent } from "./protocol";
import {
  decodeFileAudience,
  decodeSharedFile,
  decodeSharedFiles,
  type FileAudience,
  type SharedFile,
} from "./protocol-bodies";

export type TransferState = "offered" | "accepted" | "declined" | "received";

/** One file offered in a session, as this viewer sees it. */
export interface Transfer {
  id: number;
  name: string;
  size: number;
  sha256: string;
  audience: FileAudience;
  /** The sender's name. */
  from: string;
  fromCustomer: boolean;
  fromMe: boolean;
  state: TransferState;
  at: string;
  /**
   * The name as sent, when it held control or bidirectional characters (which hide
   * or reorder text: "inv\u202eexe.txt" shows as "invtxt.exe"), spelled out; only
   * representatives get it. Null when the name was not changed that way.
   */
  originalName: string | null;
}

export interface TransferViewer {
  /** The customer's window (true) or a representative's console. */
  customer: boolean;
  /** Whether I wrote this note (the sender of a file_offered note). */
  isMine(event: SessionEvent): boolean;
  myName: string;
  /** The session's customer, to tell who sent a file known only from the server's list. */
  customerName: string;
}

const RANK: Record<TransferState, number> = { offered: 0, accepted: 1, declined: 1, received: 2 };

function later(a: TransferState, b: TransferState): TransferState {
  return RANK[b] > RANK[a] ? b : a;
}

function fileIdOf(e: SessionEvent): number | null {
  const v = e.body["file_id"];
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

function bodyText(e: SessionEvent, key: string, fallback: string): string {
  const v = e.body[key];
  return typeof v === "string" ? v : fallback;
}

function bodyNumber(e: SessionEvent, key: string): number {
  const v = e.body[key];
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

/**
 * The session's files, oldest first: from the file_* status notes the viewer may see,
 * completed by the server's list (`listed`, which knows answers the notes may lack).
 */
export function transfersOf(
  events: readonly SessionEvent[],
  listed: readonly SharedFile[],
  viewer: TransferViewer,
): Transfer[] {
  const byId = new Map<number, Transfer>();
  for (const e of events) {
    if (e.kind !== "status") continue;
    const action = e.body.action;
    if (action === null || !action.startsWith("file_")) continue;
    const id = fileIdOf(e);
    if (id === null) continue;
    let t = byId.get(id);
    if (action === "file_offered") {
      if (t === undefined) {
        t = {
          id,
          name: bodyText(e, "name", "file"),
          size: bodyNumber(e, "size"),
          sha256: bodyText(e, "sha256", "").toLowerCase(),
          audience: decodeFileAudience(e.body["audience"]),
          from: e.author.name,
          fromCustomer: e.author.kind === "customer",
          fromMe: viewer.isMine(e),
          state: "offered",
          at: e.at,
          originalName: e.internal["original_name"] ?? null,
        };
        byId.set(id, t);
      }
      continue;
    }
    if (t === undefined) continue; // an answer to a file whose offer we did not see
    const state: TransferState | null =
      action === "file_accepted"
        ? "accepted"
        : action === "file_declined"
          ? "declined"
          : action === "file_completed"
            ? "received"
            : null;
    if (state !== null) byId.set(id, { ...t, state: later(t.state, state) });
  }
  for (const f of listed) {
    const t = byId.get(f.id);
    if (t !== undefined) {
      byId.set(f.id, { ...t, state: later(t.state, f.state) });
      continue;
    }
    const fromCustomer = viewer.customer
      ? f.audience === "representatives"
      : f.audience === "representatives" && f.from === viewer.customerName;
    byId.set(f.id, {
      id: f.id,
      name: f.name,
      size: f.size,
      sha256: f.sha256,
      audience: f.audience,
      from: f.from,
      fromCustomer,
      fromMe: viewer.customer ? fromCustomer : !fromCustomer && f.from === viewer.myName,
      state: f.state,
      at: f.at,
      originalName: null,
    });
  }
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

/** Whether this viewer answers (accepts or declines) the file. */
export function isRecipient(t: Transfer, customer: boolean): boolean {
  if (customer) return !t.fromCustomer && t.audience === "customer";
  if (t.fromCustomer) return true;
  return t.audience === "representatives" && !t.fromMe;
}

/** Whole percent of `loaded` out of `total` (0 while unknown). */
export function percent(loaded: number, total: number): number {
  if (!(total > 0)) return 0;
  return Math.max(0, Math.min(100, Math.floor((loaded / total) * 100)));
}

export function toHex(digest: ArrayBuffer): string {
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

// ---------------------------------------------------------------- HTTP

export async function listFiles(sessionId: string): Promise<SharedFile[]> {
  return decodeSharedFiles(await api("GET", `/api/sessions/${seg(sessionId)}/files`));
}

export async function answerFile(id: number, accept: boolean): Promise<SharedFile | null> {
  const body = await api("POST", `/api/files/${id}/${accept ? "accept" : "decline"}`);
  return typeof body === "object" && body !== null && "file" in body
    ? decodeSharedFile((body as { file: unknown }).file)
    : null;
}

export async function reportReceived(id: number): Promise<void> {
  await api("POST", `/api/files/${id}/completed`);
}

export interface Upload {
  promise: Promise<SharedFile>;
  abort(): void;
}

/**
 * Send one file: the body is the file itself, streamed by the browser. XMLHttpRequest
 * because fetch cannot report upload progress. Rejects with an ApiError carrying the
 * server's message (413 too_large and the like).
 */
export function uploadFile(
  sessionId: string,
  file: File,
  to: FileAudience | null,
  onProgress: (loaded: number, total: number) => void,
): Upload {
  const xhr = new XMLHttpRequest();
  const params = new URLSearchParams({ name: file.name });
  if (to !== null) params.set("to", to);
  const promise = new Promise<SharedFile>((resolve, reject) => {
    xhr.open("POST", `/api/sessions/${seg(sessionId)}/files?${params.toString()}`);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("Content-Type", file.type !== "" ? file.type : "application/octet-stream");
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = xhr.responseText === "" ? null : JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        const saved =
          typeof body === "object" && body !== null && "file" in body
            ? decodeSharedFile((body as { file: unknown }).file)
            : null;
        if (saved === null) reject(new ApiError(xhr.status, "error", "The server sent an unexpected answer."));
        else resolve(saved);
      } else {
        reject(errorFromBody(xhr.status, body, xhr.getResponseHeader("Retry-After")));
      }
    };
    xhr.onerror = () =>
      reject(new ApiError(0, "network", `Sending ${file.name} failed: the connection to the server was lost.`));
    xhr.onabort = () => reject(new ApiError(0, "aborted", `Sending ${file.name} was cancelled.`));
    xhr.send(file);
  });
  return { promise, abort: () => xhr.abort() };
}

export class ChecksumError extends ApiError {
  constructor(name: string) {
    super(0, "damaged", `The file ${name} arrived damaged (its SHA-256 does not match), so it was not saved. Try again.`);
    this.name = "ChecksumError";
  }
}

/**
 * Download a file the viewer may read, with progress, and check its SHA-256 against
 * `sha256` (from the offer). Resolves with the bytes as a Blob; rejects with an
 * ApiError (the server's message), or a ChecksumError when the bytes differ.
 */
export async function downloadFile(
  t: Pick<Transfer, "id" | "name" | "size" | "sha256">,
  onProgress: (loaded: number, total: number) => void,
  signal?: AbortSignal,
): Promise<Blob> {
  let response: Response;
  try {
    response = await fetch(`/api/files/${t.id}`, {
      credentials: "same-origin",
      cache: "no-store",
      signal: signal ?? null,
    });
  } catch {
    throw new ApiError(0, "network", `Downloading ${t.name} failed: cannot reach the server.`);
  }
  if (!response.ok) {
    const text = await response.text().catch(() => "");
    let body: unknown = null;
    try {
      body = text === "" ? null : JSON.parse(text);
    } catch {
      body = null;
    }
    throw errorFromBody(response.status, body);
  }
  const declared = Number.parseInt(response.headers.get("Content-Length") ?? "", 10);
  const total = Number.isFinite(declared) && declared >= 0 ? declared : t.size;
  const bytes = await readAll(response, total, onProgress, t.name);
  const subtle = typeof crypto !== "undefined" ? crypto.subtle : undefined;
  if (subtle === undefined) {
    throw new ApiError(0, "insecure", `This browser cannot check ${t.name} (it needs a secure, https connection), so it was not saved.`);
  }
  const expected = (t.sha256 !== "" ? t.sha256 : (response.headers.get("X-Content-SHA256") ?? "")).toLowerCase();
  const actual = toHex(await subtle.digest("SHA-256", bytes));
  if (expected === "" || actual !== expected) throw new ChecksumError(t.name);
  return new Blob([bytes], { type: "application/octet-stream" });
}

async function readAll(
  response: Response,
  total: number,
  onProgress: (loaded: number, total: number) => void,
  name: string,
): Promise<Uint8Array<ArrayBuffer>> {
  const reader = response.body?.getReader();
  if (reader === undefined) {
    const whole = new Uint8Array(await response.arrayBuffer());
    onProgress(whole.length, whole.length);
    return whole;
  }
  let buffer = new Uint8Array(Math.max(total, 0));
  let loaded = 0;
  onProgress(0, total);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (loaded + value.length > buffer.length) {
        const grown = new Uint8Array(Math.max(buffer.length * 2, loaded + value.length));
        grown.set(buffer.subarray(0, loaded));
        buffer = grown;
      }
      buffer.set(value, loaded);
      loaded += value.length;
      onProgress(loaded, Math.max(total, loaded));
    }
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError(0, "network", `Downloading ${name} failed: the connection was lost.`);
  }
  return loaded === buffer.length ? buffer : buffer.slice(0, loaded);
}

/** Hand the browser a Blob to save under `name` (a Blob URL and an <a download> click). */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.rel = "noopener";
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // Revoking at once can cancel the save in some browsers; a minute is plenty.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
