/**
 * The customer's side of the customer's screen: asking the browser for it, then a
 * share that scales the stream down to JPEG thumbnails and viewer frames on a clock
 * that keeps pace in a hidden tab. The watch window and the schedule are pure; the
 * capture and the clock touch the browser only when used.
 */

import type { ClientFrame } from "./protocol-frames";
import {
  encodeFrame,
  fitWidth,
  JPEG_QUALITY,
  MAX_BUFFERED_BYTES,
  THUMBNAIL,
  THUMBNAIL_EVERY_MS,
  THUMBNAIL_WIDTH,
  VIEWER_EVERY_MS,
  VIEWER_FRAME,
  VIEWER_WIDTH,
  WATCH_WINDOW_MS,
  type FrameKind,
} from "./screen";

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

/** Why getDisplayMedia failed: not allowed (refused or cancelled), not possible here, or else. */
export type CaptureFailure = "not_allowed" | "unsupported" | "failed";

export function captureFailure(error: unknown): CaptureFailure {
  const name = error instanceof DOMException || error instanceof Error ? error.name : "";
  if (name === "NotAllowedError" || name === "AbortError") return "not_allowed";
  if (error instanceof Error && error.message === "This browser cannot share the screen.") return "unsupported";
  return "failed";
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
