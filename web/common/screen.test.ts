import { describe, expect, it } from "vitest";
import { THUMBNAIL, VIEWER_FRAME, decodeFrame, encodeFrame, fitWidth, imageType } from "./screen";

const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]);
const WEBP = new Uint8Array([0x52, 0x49, 0x46, 0x46, 0, 0, 0, 0, 0x57, 0x45, 0x42, 0x50]);

describe("the frame codec", () => {
  it("writes the kind, the header length big-endian, the header and the image", () => {
    const bytes = encodeFrame(THUMBNAIL, { session: "7KQM-2XPD", width: 320, height: 180 }, JPEG);
    const header = '{"session":"7KQM-2XPD","width":320,"height":180}';
    expect(bytes[0]).toBe(1);
    expect((bytes[1] ?? 0) * 256 + (bytes[2] ?? 0)).toBe(header.length);
    expect(new TextDecoder().decode(bytes.subarray(3, 3 + header.length))).toBe(header);
    expect(Array.from(bytes.subarray(3 + header.length))).toEqual(Array.from(JPEG));
  });

  it("reads back what it wrote, from an ArrayBuffer too", () => {
    const bytes = encodeFrame(VIEWER_FRAME, { session: "S-1", width: 1280, height: 720 }, PNG);
    const frame = decodeFrame(bytes.buffer);
    expect(frame).toMatchObject({ kind: 2, session: "S-1", width: 1280, height: 720, type: "image/png" });
    expect(Array.from(frame?.image ?? [])).toEqual(Array.from(PNG));
  });

  it("handles a header longer than 255 bytes", () => {
    const session = "x".repeat(300);
    const frame = decodeFrame(encodeFrame(THUMBNAIL, { session, width: 1, height: 1 }, JPEG));
    expect(frame?.session).toBe(session);
    expect(() => encodeFrame(THUMBNAIL, { session: "x".repeat(600), width: 1, height: 1 }, JPEG)).toThrow(RangeError);
  });

  it("knows JPEG, PNG and WebP by their first bytes", () => {
    expect(imageType(JPEG)).toBe("image/jpeg");
    expect(imageType(PNG)).toBe("image/png");
    expect(imageType(WEBP)).toBe("image/webp");
    expect(imageType(new Uint8Array([0x47, 0x49, 0x46]))).toBeNull();
  });

  it("refuses anything that is not a well-formed frame", () => {
    const good = encodeFrame(THUMBNAIL, { session: "S", width: 2, height: 2 }, JPEG);
    expect(decodeFrame(new Uint8Array([1, 0]))).toBeNull();
    const badKind = good.slice();
    badKind[0] = 3;
    expect(decodeFrame(badKind)).toBeNull();
    const longHeader = good.slice();
    longHeader[1] = 0x7f;
    expect(decodeFrame(longHeader)).toBeNull();
    const head = new TextEncoder().encode("not json");
    expect(decodeFrame(new Uint8Array([1, 0, head.length, ...head, ...JPEG]))).toBeNull();
    const noSession = new TextEncoder().encode('{"width":1}');
    expect(decodeFrame(new Uint8Array([1, 0, noSession.length, ...noSession, ...JPEG]))).toBeNull();
    const gif = encodeFrame(THUMBNAIL, { session: "S", width: 2, height: 2 }, new Uint8Array([0x47, 0x49, 0x46, 0x38]));
    expect(decodeFrame(gif)).toBeNull();
  });

  it("scales down to a width, keeping the shape, never up", () => {
    expect(fitWidth(1920, 1080, 320)).toEqual({ width: 320, height: 180 });
    expect(fitWidth(2560, 1440, 1280)).toEqual({ width: 1280, height: 720 });
    expect(fitWidth(800, 600, 1280)).toEqual({ width: 800, height: 600 });
    expect(fitWidth(0, 600, 320)).toEqual({ width: 0, height: 0 });
    expect(fitWidth(10000, 1, 320)).toEqual({ width: 320, height: 1 });
  });
});
