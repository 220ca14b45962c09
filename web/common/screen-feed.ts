/**
 * The console's side of the customer's screen: the newest picture of each session as
 * Blob URLs for the pane and the Viewer window, and the Viewer's "I am watching".
 */

import type { ClientFrame } from "./protocol-frames";
import { decodeFrame, THUMBNAIL, VIEWER_FRAME, WATCH_EVERY_MS, type DecodedFrame, type FrameKind } from "./screen";

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
