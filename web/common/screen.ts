/**
 * The customer's screen, for both apps: the only module that knows how screen images
 * travel (binary WebSocket frames today, see docs/protocol.md). The console's pane and
 * Viewer window ask it for "the newest image of this session", the customer's window
 * hands it a captured stream; a later move to WebRTC changes this file, not them.
 *
 * A frame is one binary message:
 *
 *     byte 0      1 = thumbnail (about every 2 s), 2 = viewer frame (5 per second or more)
 *     bytes 1-2   header length, big-endian
 *     header      JSON {"session": ID, "width": W, "height": H}
 *     the rest    a JPEG, PNG or WebP image
 *
 * The codec, the status of a session's screen and the watch window are pure; the
 * capture and the clock touch the browser only when used.
 */

import type { SessionEvent } from "./protocol";
import type { ClientFrame } from "./protocol-frames";

export const THUMBNAIL = 1;
export const VIEWER_FRAME = 2;
export type FrameKind = typeof THUMBNAIL | typeof VIEWER_FRAME;

/** Widths the customer's window scales the screen down to (never up). */
export const THUMBNAIL_WIDTH = 320;
export const VIEWER_WIDTH = 1280;
export const THUMBNAIL_EVERY_MS = 2000;
/** Five viewer frames a second while a Viewer window is open. */
export const VIEWER_EVERY_MS = 200;
/** Viewer frames go on this long after the last `screen_watch`. */
export const WATCH_WINDOW_MS = 10_000;
/** A Viewer window says it is open this often. */
export const WATCH_EVERY_MS = 5000;
export const JPEG_QUALITY = 0.6;
const MAX_HEADER_BYTES = 512;
/** A sender skips a frame while this much is still queued on its socket. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

export interface FrameHeader {
  session: string;
  width: number;
  height: number;
}

export interface DecodedFrame extends FrameHeader {
  kind: FrameKind;
  /** The image's MIME type, from its first bytes. */
  type: string;
  image: Uint8Array<ArrayBuffer>;
}

// ---------------------------------------------------------------- the codec

export function encodeFrame(kind: FrameKind, header: FrameHeader, image: Uint8Array): Uint8Array<ArrayBuffer> {
  const head = new TextEncoder().encode(
    JSON.stringify({ session: header.session, width: header.width, height: header.height }),
  );
  if (head.length > MAX_HEADER_BYTES) throw new RangeError("The screen frame's header is too long.");
  const out = new Uint8Array(3 + head.length + image.length);
  out[0] = kind;
  out[1] = (head.length >> 8) & 0xff;
  out[2] = head.length & 0xff;
  out.set(head, 3);
  out.set(image, 3 + head.length);
  return out;
}

/** "image/jpeg", "image/png" or "image/webp" from the first bytes; null for anything else. */
export function imageType(bytes: Uint8Array): string | null {
  const starts = (sig: readonly number[], at = 0) => sig.every((b, i) => bytes[at + i] === b);
  if (starts([0xff, 0xd8, 0xff])) return "image/jpeg";
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50], 8)) return "image/webp";
  return null;
}

/** Decode one binary message; null for anything that is not a well-formed screen frame. */
export function decodeFrame(data: ArrayBuffer | Uint8Array): DecodedFrame | null {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (bytes.length < 4) return null;
  const kind = bytes[0];
  if (kind !== THUMBNAIL && kind !== VIEWER_FRAME) return null;
  const headLength = ((bytes[1] ?? 0) << 8) | (bytes[2] ?? 0);
  if (headLength === 0 || headLength > MAX_HEADER_BYTES || 3 + headLength > bytes.length) return null;
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(3, 3 + headLength)));
  } catch {
    return null;
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) return null;
  const h = header as Record<string, unknown>;
  const session = h["session"];
  if (typeof session !== "string" || session === "") return null;
  const image = bytes.slice(3 + headLength);
  const type = imageType(image);
  if (type === null) return null;
  return { kind, session, width: dimension(h["width"]), height: dimension(h["height"]), type, image };
}

function dimension(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? Math.round(value) : 0;
}

/** The size to scale a `width` × `height` picture to, at most `maxWidth` wide (never larger). */
export function fitWidth(width: number, height: number, maxWidth: number): { width: number; height: number } {
  if (!(width > 0) || !(height > 0)) return { width: 0, height: 0 };
  if (width <= maxWidth) return { width: Math.round(width), height: Math.round(height) };
  return { width: maxWidth, height: Math.max(1, Math.round((height * maxWidth) / width)) };
}

// ---------------------------------------------------------------- status from the log

export type ScreenState = "none" | "requested" | "allowed" | "declined" | "sharing" | "stopped";

export interface ScreenStatus {
  state: ScreenState;
  /** The newest request to see the screen, if any. */
  requestId: string | null;
  text: string;
}

export const SCREEN_STATE_TEXT: Readonly<Record<ScreenState, string>> = {
  none: "Not shared",
  requested: "Waiting for the customer…",
  allowed: "Waiting for the customer…",
  declined: "Declined by the customer",
  sharing: "Shared",
  stopped: "Stopped by the customer",
};

function isScreenConsent(e: SessionEvent): boolean {
  return e.body["consent"] === "screen";
}

function requestIdOf(e: SessionEvent): string | null {
  const v = e.body["request_id"];
  return typeof v === "string" && v !== "" ? v : null;
}

/**
 * Where the customer's screen stands, from the status notes: asked, allowed or
 * declined, shared, stopped. Sharing wins over a later request; an ended session
 * shares nothing.
 */
export function screenStatus(events: readonly SessionEvent[]): ScreenStatus {
  let state: ScreenState = "none";
  let requestId: string | null = null;
  let sharing = false;
  for (const e of events) {
    if (e.kind === "consent_requested" && isScreenConsent(e)) {
      requestId = requestIdOf(e) ?? requestId;
      if (!sharing) state = "requested";
    } else if (e.kind === "consent_answered" && isScreenConsent(e)) {
      const id = requestIdOf(e);
      if (!sharing && (requestId === null || id === requestId)) {
        state = e.body["answer"] === "allowed" ? "allowed" : "declined";
      }
    } else if (e.kind === "status") {
      const action = e.body.action;
      if (action === "screen_started") {
        sharing = true;
        state = "sharing";
      } else if (action === "screen_stopped") {
        sharing = false;
        state = "stopped";
      } else if (action === "ended") {
        if (sharing || state === "requested" || state === "allowed") state = "none";
        sharing = false;
      }
    }
  }
  return { state, requestId, text: SCREEN_STATE_TEXT[state] };
}

export interface ScreenRequest {
  requestId: string;
  /** Who asks, e.g. "Alice Martin". */
  from: string;
  /** The note's sentence, e.g. "Alice Martin asks to see the customer's screen." */
  text: string;
  seq: number;
}

/**
 * The request to see the screen the customer still has to answer: the newest one,
 * unless it was answered (in the log or just now, `answered`) or the session ended.
 * An older request is superseded by a newer one.
 */
export function pendingScreenRequest(
  events: readonly SessionEvent[],
  answered: ReadonlySet<string> = new Set(),
): ScreenRequest | null {
  let newest: ScreenRequest | null = null;
  const replied = new Set<string>();
  for (const e of events) {
    if (e.kind === "consent_requested" && isScreenConsent(e)) {
      const id = requestIdOf(e);
      if (id !== null) newest = { requestId: id, from: e.author.name, text: e.body.text, seq: e.seq };
    } else if (e.kind === "consent_answered") {
      const id = requestIdOf(e);
      if (id !== null) replied.add(id);
    } else if (e.kind === "status" && e.body.action === "ended") {
      return null;
    }
  }
  if (newest === null || replied.has(newest.requestId) || answered.has(newest.requestId)) return null;
  return newest;
}

// ---------------------------------------------------------------- receiving (console)

/** What a pane shows: the newest image of one session and kind, as a Blob URL. */
export interface ScreenImage {
  url: string;
  kind: FrameKind;
  width: number;
  height: number;
  /** How many frames of this kind arrived for the session: grows with each one. */
  count: number;
}

export interface UrlMaker {
  create(blob: Blob): string;
  revoke(url: string): void;
}

const browserUrls: UrlMaker = {
  create: (blob) => URL.createObjectURL(blob),
  revoke: (url) => URL.revokeObjectURL(url),
};

/**
 * The newest screen image of each session, kept as Blob URLs: each new frame revokes
 * the URL of the one it replaces. Feed it every binary message of the socket.
 */
export class ScreenFeed {
  private readonly images = new Map<string, ScreenImage>();
  private readonly counts = new Map<string, number>();
  private readonly listeners = new Set<(session: string, kind: FrameKind) => void>();

  constructor(private readonly urls: UrlMaker = browserUrls) {}

  /** Take one binary message; returns the decoded frame, or null if it was not one. */
  receive(data: ArrayBuffer | Uint8Array): DecodedFrame | null {
    const frame = decodeFrame(data);
    if (frame === null) return null;
    const key = keyOf(frame.session, frame.kind);
    const count = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, count);
    const url = this.urls.create(new Blob([frame.image], { type: frame.type }));
    const old = this.images.get(key);
    this.images.set(key, { url, kind: frame.kind, width: frame.width, height: frame.height, count });
    if (old !== undefined) this.urls.revoke(old.url);
    for (const listener of this.listeners) listener(frame.session, frame.kind);
    return frame;
  }

  image(session: string, kind: FrameKind): ScreenImage | null {
    return this.images.get(keyOf(session, kind)) ?? null;
  }

  /** The best image to show large: the newest viewer frame, else the thumbnail. */
  best(session: string): ScreenImage | null {
    return this.image(session, VIEWER_FRAME) ?? this.image(session, THUMBNAIL);
  }

  /** Forget a session's images (sharing stopped, tab closed); counts go on. */
  clear(session: string): void {
    for (const kind of [THUMBNAIL, VIEWER_FRAME] as const) {
      const key = keyOf(session, kind);
      const old = this.images.get(key);
      if (old === undefined) continue;
      this.images.delete(key);
      this.urls.revoke(old.url);
      for (const listener of this.listeners) listener(session, kind);
    }
  }

  clearAll(): void {
    for (const session of new Set([...this.images.keys()].map((k) => k.split("|")[0] ?? ""))) this.clear(session);
  }

  listen(listener: (session: string, kind: FrameKind) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

function keyOf(session: string, kind: FrameKind): string {
  return `${session}|${kind}`;
}

/**
 * A Viewer window's "I am watching": says so at once, then every WATCH_EVERY_MS, and
 * "no longer" when stopped. `send` answers whether the frame went out.
 */
export class ScreenWatch {
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly session: string,
    private readonly send: (frame: ClientFrame) => boolean,
    private readonly every: number = WATCH_EVERY_MS,
  ) {}

  start(): void {
    if (this.timer !== null) return;
    this.poke();
    this.timer = setInterval(() => this.poke(), this.every);
  }

  /** Say it now (e.g. after a reconnect). */
  poke(): boolean {
    return this.send({ type: "watch", session: this.session });
  }

  stop(): void {
    if (this.timer === null) return;
    clearInterval(this.timer);
    this.timer = null;
    this.send({ type: "watch", session: this.session, on: false });
  }
}

// ---------------------------------------------------------------- sending (customer)

/** Whether a Viewer window is open: `screen_watch` seen within WATCH_WINDOW_MS. */
export class WatchWindow {
  private last = Number.NEGATIVE_INFINITY;

  constructor(private readonly windowMs: number = WATCH_WINDOW_MS) {}

  seen(now: number): void {
    this.last = now;
  }

  active(now: number): boolean {
    return now - this.last < this.windowMs;
  }
}

/**
 * Which frames are due at `now`: a thumbnail every THUMBNAIL_EVERY_MS, and viewer
 * frames every VIEWER_EVERY_MS while watched. A kind still being encoded is not due.
 */
export class FrameSchedule {
  private lastThumbnail = Number.NEGATIVE_INFINITY;
  private lastViewer = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly watch: WatchWindow,
    private readonly thumbnailEvery: number = THUMBNAIL_EVERY_MS,
    private readonly viewerEvery: number = VIEWER_EVERY_MS,
  ) {}

  due(now: number, busy: ReadonlySet<FrameKind> = new Set()): FrameKind[] {
    const out: FrameKind[] = [];
    if (!busy.has(THUMBNAIL) && now - this.lastThumbnail >= this.thumbnailEvery) {
      this.lastThumbnail = now;
      out.push(THUMBNAIL);
    }
    if (this.watch.active(now) && !busy.has(VIEWER_FRAME) && now - this.lastViewer >= this.viewerEvery) {
      this.lastViewer = now;
      out.push(VIEWER_FRAME);
    }
    return out;
  }
}

/** The customer's side of the socket, as a share uses it. */
export interface ScreenSender {
  /** A control frame (`screen`); answers whether it went out. */
  control(frame: ClientFrame): boolean;
  /** One binary frame; answers whether it went out. */
  binary(data: Uint8Array): boolean;
  /** Bytes still queued on the socket. */
  buffered(): number;
}

export type ShareEnd = "stopped" | "track_ended";

/**
 * Ask the browser for the screen. Call it straight from the click that allowed it:
 * browsers want a user gesture for this.
 */
export function askForScreen(): Promise<MediaStream> {
  const devices = typeof navigator !== "undefined" ? navigator.mediaDevices : undefined;
  if (devices === undefined || typeof devices.getDisplayMedia !== "function") {
    return Promise.reject(new Error("This browser cannot share the screen."));
  }
  return devices.getDisplayMedia({ video: true });
}

/** Why getDisplayMedia failed, in words for the customer. */
export function captureErrorText(error: unknown): string {
  const name = error instanceof DOMException || error instanceof Error ? error.name : "";
  if (name === "NotAllowedError" || name === "AbortError") {
    return "Screen sharing did not start: the browser was not allowed to share the screen.";
  }
  if (error instanceof Error && error.message === "This browser cannot share the screen.") {
    return "Screen sharing did not start: this browser cannot share the screen.";
  }
  return "Screen sharing did not start: the browser could not capture the screen.";
}

type Every = (ms: number, tick: () => void) => () => void;

/**
 * A clock that keeps ticking in a hidden tab (the customer is showing another window):
 * a worker's timer, which browsers do not slow down like a page's; setInterval if the
 * worker cannot start.
 */
export const workerEvery: Every = (ms, tick) => {
  try {
    const worker = new Worker(new URL("./tick-worker.ts", import.meta.url), { type: "module" });
    worker.onmessage = () => tick();
    worker.postMessage(ms);
    return () => worker.terminate();
  } catch {
    const id = setInterval(tick, ms);
    return () => clearInterval(id);
  }
};

/**
 * One screen share: scales the captured stream down to JPEG thumbnails (always) and
 * viewer frames (while watched) and sends them. It ends at once, stopping every track,
 * on `stop()`, when the browser's own "Stop sharing" ends the track, or on an error;
 * then it says `sharing: false` when the socket is open.
 */
export class ScreenShare {
  readonly watch = new WatchWindow();
  private readonly schedule = new FrameSchedule(this.watch);
  private readonly busy = new Set<FrameKind>();
  private readonly video: HTMLVideoElement;
  private readonly canvases = new Map<FrameKind, HTMLCanvasElement>();
  private stopClock: (() => void) | null = null;
  private ended = false;
  /** Frames sent so far, by kind (for the customer's bar and tests). */
  readonly sent = { [THUMBNAIL]: 0, [VIEWER_FRAME]: 0 };

  constructor(
    private readonly session: string,
    private readonly requestId: string,
    private readonly stream: MediaStream,
    private readonly sender: ScreenSender,
    private readonly onEnd: (why: ShareEnd) => void,
    every: Every = workerEvery,
  ) {
    this.video = document.createElement("video");
    this.video.muted = true;
    this.video.playsInline = true;
    this.video.srcObject = stream;
    void this.video.play().catch(() => undefined);
    for (const track of stream.getTracks()) {
      track.addEventListener("ended", () => this.finish("track_ended"));
    }
    this.sender.control({ type: "screen", session: this.session, sharing: true, request: this.requestId });
    this.stopClock = every(Math.min(VIEWER_EVERY_MS, 100), () => this.tick());
  }

  get active(): boolean {
    return !this.ended;
  }

  /** The customer's socket heard `screen_watch`: send viewer frames for a while. */
  watched(now: number = Date.now()): void {
    this.watch.seen(now);
  }

  /** The socket came back: say again that we share (the server forgot with the old one). */
  resume(): void {
    if (this.ended) return;
    this.sender.control({ type: "screen", session: this.session, sharing: true, request: this.requestId });
  }

  stop(): void {
    this.finish("stopped");
  }

  private finish(why: ShareEnd): void {
    if (this.ended) return;
    this.ended = true;
    this.stopClock?.();
    this.stopClock = null;
    for (const track of this.stream.getTracks()) track.stop();
    this.video.srcObject = null;
    this.sender.control({ type: "screen", session: this.session, sharing: false });
    this.onEnd(why);
  }

  private tick(): void {
    if (this.ended) return;
    const width = this.video.videoWidth;
    const height = this.video.videoHeight;
    if (width === 0 || height === 0) return;
    if (this.sender.buffered() > MAX_BUFFERED_BYTES) return;
    for (const kind of this.schedule.due(Date.now(), this.busy)) {
      this.capture(kind, width, height);
    }
  }

  private capture(kind: FrameKind, width: number, height: number): void {
    const size = fitWidth(width, height, kind === THUMBNAIL ? THUMBNAIL_WIDTH : VIEWER_WIDTH);
    let canvas = this.canvases.get(kind);
    if (canvas === undefined) {
      canvas = document.createElement("canvas");
      this.canvases.set(kind, canvas);
    }
    if (canvas.width !== size.width) canvas.width = size.width;
    if (canvas.height !== size.height) canvas.height = size.height;
    const context = canvas.getContext("2d");
    if (context === null) return;
    context.drawImage(this.video, 0, 0, size.width, size.height);
    this.busy.add(kind);
    canvas.toBlob(
      (blob) => {
        if (blob === null || this.ended) {
          this.busy.delete(kind);
          return;
        }
        void blob
          .arrayBuffer()
          .then((buffer) => {
            if (this.ended) return;
            const frame = encodeFrame(kind, { session: this.session, ...size }, new Uint8Array(buffer));
            if (this.sender.binary(frame)) this.sent[kind] += 1;
          })
          .catch(() => undefined)
          .finally(() => this.busy.delete(kind));
      },
      "image/jpeg",
      JPEG_QUALITY,
    );
  }
}
