/**
 * The customer's screen, for both apps: this module and its screen-*.ts neighbours are
 * the only ones that know how screen images travel (binary WebSocket frames today, see
 * docs/protocol.md). The console's pane and Viewer window ask for "the newest image of
 * this session", the customer's window hands over a captured stream; a later move to
 * WebRTC changes these files, not them.
 *
 * A frame is one binary message:
 *
 *     byte 0      1 = thumbnail (about every 2 s), 2 = viewer frame (5 per second or more)
 *     bytes 1-2   header length, big-endian
 *     header      JSON {"session": ID, "width": W, "height": H}
 *     the rest    a JPEG, PNG or WebP image
 *
 * This module is the wire: the frame codec and the pace constants, pure. Around it:
 * screen-status.ts (where the screen stands, from the log), screen-feed.ts (the
 * console's side: the newest picture per session, the Viewer's watch) and
 * screen-share.ts (the customer's side: capture, downscale, JPEG, schedule).
 */

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
export const MAX_BUFFERED_BYTES = 1024 * 1024;

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
