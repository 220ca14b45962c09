import { afterEach, describe, expect, it, vi } from "vitest";
import type { SessionEvent } from "./protocol";
import type { ClientFrame } from "./protocol-frames";
import {
  FrameSchedule,
  ScreenShare,
  ScreenFeed,
  ScreenWatch,
  THUMBNAIL,
  VIEWER_FRAME,
  WatchWindow,
  decodeFrame,
  encodeFrame,
  fitWidth,
  imageType,
  pendingScreenRequest,
  screenStatus,
  type UrlMaker,
} from "./screen";

const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]);
const WEBP = new Uint8Array([0x52, 0x49, 0x46, 0x46, 0, 0, 0, 0, 0x57, 0x45, 0x42, 0x50]);

function ev(seq: number, kind: SessionEvent["kind"], body: Record<string, string>, author = "Bob"): SessionEvent {
  return {
    seq,
    at: "2025-01-01T00:00:00Z",
    kind,
    audience: "everyone",
    to: null,
    author: { kind: "representative", id: 1, name: author },
    body: { text: body["text"] ?? "", action: body["action"] ?? null, ...body },
    internal: {},
    masked: false,
    client_id: null,
  };
}

const asked = (seq: number, id: string) =>
  ev(seq, "consent_requested", { request_id: id, consent: "screen", text: "Bob asks to see your screen." });
const answered = (seq: number, id: string, answer: "allowed" | "declined") =>
  ev(seq, "consent_answered", { request_id: id, consent: "screen", answer }, "Dana");
const note = (seq: number, action: string) => ev(seq, "status", { action, text: action }, "Dana");

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

describe("the screen's status from the log", () => {
  it("goes from not shared to asked, allowed, shared and stopped", () => {
    expect(screenStatus([]).text).toBe("Not shared");
    const log = [asked(1, "r1")];
    expect(screenStatus(log)).toEqual({ state: "requested", requestId: "r1", text: "Waiting for the customer…" });
    log.push(answered(2, "r1", "allowed"));
    expect(screenStatus(log).state).toBe("allowed");
    log.push(note(3, "screen_started"));
    expect(screenStatus(log).text).toBe("Shared");
    log.push(note(4, "screen_stopped"));
    expect(screenStatus(log).text).toBe("Stopped by the customer");
  });

  it("says declined, and a new request waits again", () => {
    const log = [asked(1, "r1"), answered(2, "r1", "declined")];
    expect(screenStatus(log).text).toBe("Declined by the customer");
    log.push(asked(3, "r2"));
    expect(screenStatus(log)).toMatchObject({ state: "requested", requestId: "r2" });
    // A late answer to the old request does not count for the new one.
    log.push(answered(4, "r1", "allowed"));
    expect(screenStatus(log).state).toBe("requested");
  });

  it("keeps sharing through another request and its answer", () => {
    const log = [asked(1, "r1"), answered(2, "r1", "allowed"), note(3, "screen_started"), asked(4, "r2")];
    expect(screenStatus(log).state).toBe("sharing");
    log.push(answered(5, "r2", "declined"));
    expect(screenStatus(log).state).toBe("sharing");
  });

  it("shares nothing once the session ended", () => {
    expect(screenStatus([asked(1, "r1"), note(2, "ended")]).state).toBe("none");
    expect(screenStatus([note(1, "screen_started"), note(2, "ended")]).state).toBe("none");
  });

  it("ignores consent requests for other things", () => {
    const other = ev(1, "consent_requested", { request_id: "f1", consent: "file" });
    expect(screenStatus([other]).state).toBe("none");
    expect(pendingScreenRequest([other])).toBeNull();
  });
});

describe("the request the customer answers", () => {
  it("is the newest unanswered one", () => {
    expect(pendingScreenRequest([asked(1, "r1")])).toEqual({
      requestId: "r1",
      from: "Bob",
      text: "Bob asks to see your screen.",
      seq: 1,
    });
    expect(pendingScreenRequest([asked(1, "r1"), answered(2, "r1", "declined")])).toBeNull();
    // A newer request supersedes an older one; answering it leaves nothing pending.
    expect(pendingScreenRequest([asked(1, "r1"), asked(2, "r2")])?.requestId).toBe("r2");
    expect(pendingScreenRequest([asked(1, "r1"), asked(2, "r2"), answered(3, "r2", "allowed")])).toBeNull();
  });

  it("is gone once answered here, or when the session ended", () => {
    expect(pendingScreenRequest([asked(1, "r1")], new Set(["r1"]))).toBeNull();
    expect(pendingScreenRequest([asked(1, "r1"), note(2, "ended")])).toBeNull();
  });
});

class FakeUrls implements UrlMaker {
  made = 0;
  live = new Set<string>();
  revoked: string[] = [];
  create(): string {
    const url = `blob:${++this.made}`;
    this.live.add(url);
    return url;
  }
  revoke(url: string): void {
    this.live.delete(url);
    this.revoked.push(url);
  }
}

describe("ScreenFeed", () => {
  const frame = (kind: 1 | 2, session = "S1") =>
    encodeFrame(kind, { session, width: kind === 1 ? 320 : 1280, height: 180 }, JPEG);

  it("keeps the newest image per session and kind, revoking the one it replaces", () => {
    const urls = new FakeUrls();
    const feed = new ScreenFeed(urls);
    const heard: string[] = [];
    const stop = feed.listen((session, kind) => heard.push(`${session}:${kind}`));
    expect(feed.receive(frame(1))?.session).toBe("S1");
    expect(feed.image("S1", THUMBNAIL)).toEqual({ url: "blob:1", kind: 1, width: 320, height: 180, count: 1 });
    feed.receive(frame(1));
    expect(feed.image("S1", THUMBNAIL)?.url).toBe("blob:2");
    expect(feed.image("S1", THUMBNAIL)?.count).toBe(2);
    expect(urls.revoked).toEqual(["blob:1"]);
    expect(feed.best("S1")?.kind).toBe(THUMBNAIL);
    feed.receive(frame(2));
    expect(feed.best("S1")?.kind).toBe(VIEWER_FRAME);
    feed.receive(frame(1, "S2"));
    expect(heard).toEqual(["S1:1", "S1:1", "S1:2", "S2:1"]);
    stop();
    feed.receive(frame(1, "S2"));
    expect(heard).toHaveLength(4);
  });

  it("ignores garbage and forgets a session's images on clear", () => {
    const urls = new FakeUrls();
    const feed = new ScreenFeed(urls);
    expect(feed.receive(new Uint8Array([9, 9, 9, 9]))).toBeNull();
    expect(urls.made).toBe(0);
    feed.receive(frame(1));
    feed.receive(frame(2));
    feed.receive(frame(1, "S2"));
    feed.clear("S1");
    expect(feed.image("S1", THUMBNAIL)).toBeNull();
    expect(feed.best("S1")).toBeNull();
    expect(feed.image("S2", THUMBNAIL)).not.toBeNull();
    // Counts go on, so a pane sees a new number after a restart.
    feed.receive(frame(1));
    expect(feed.image("S1", THUMBNAIL)?.count).toBe(2);
    feed.clearAll();
    expect(urls.live.size).toBe(0);
  });
});

describe("watching", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("a Viewer says it watches at once, every five seconds, and stops with on: false", () => {
    vi.useFakeTimers();
    const sent: ClientFrame[] = [];
    const watch = new ScreenWatch("S1", (f) => {
      sent.push(f);
      return true;
    });
    watch.start();
    expect(sent).toEqual([{ type: "watch", session: "S1" }]);
    vi.advanceTimersByTime(4999);
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sent).toHaveLength(2);
    watch.stop();
    expect(sent.at(-1)).toEqual({ type: "watch", session: "S1", on: false });
    vi.advanceTimersByTime(20_000);
    expect(sent).toHaveLength(3);
    watch.stop();
    expect(sent).toHaveLength(3);
  });

  it("the customer sends viewer frames for ten seconds after the last screen_watch", () => {
    const window = new WatchWindow();
    expect(window.active(0)).toBe(false);
    window.seen(1000);
    expect(window.active(10_999)).toBe(true);
    expect(window.active(11_000)).toBe(false);
  });

  it("schedules a thumbnail every two seconds and viewer frames five times a second while watched", () => {
    const window = new WatchWindow();
    const schedule = new FrameSchedule(window);
    expect(schedule.due(0)).toEqual([THUMBNAIL]);
    expect(schedule.due(1000)).toEqual([]);
    window.seen(1000);
    expect(schedule.due(1000)).toEqual([VIEWER_FRAME]);
    expect(schedule.due(1100)).toEqual([]);
    expect(schedule.due(1200)).toEqual([VIEWER_FRAME]);
    expect(schedule.due(2000)).toEqual([THUMBNAIL, VIEWER_FRAME]);
    // A kind still being encoded waits for the next tick.
    expect(schedule.due(4000, new Set([THUMBNAIL]))).toEqual([VIEWER_FRAME]);
    expect(schedule.due(4100)).toEqual([THUMBNAIL]);
    expect(schedule.due(11_100)).toEqual([THUMBNAIL]);
  });
});

describe("ScreenShare", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  function setUp() {
    vi.useFakeTimers();
    vi.setSystemTime(100_000);
    const drawn: Array<[number, number]> = [];
    const video = {
      muted: false,
      playsInline: false,
      srcObject: null as unknown,
      videoWidth: 1920,
      videoHeight: 1080,
      play: () => Promise.resolve(),
    };
    vi.stubGlobal("document", {
      createElement: (tag: string) => {
        if (tag === "video") return video;
        const canvas = {
          width: 0,
          height: 0,
          getContext: () => ({ drawImage: () => drawn.push([canvas.width, canvas.height]) }),
          toBlob: (done: (blob: Blob | null) => void) => done(new Blob([JPEG], { type: "image/jpeg" })),
        };
        return canvas;
      },
    });
    let ended: (() => void) | null = null;
    const track = {
      stop: vi.fn(),
      addEventListener: (_type: string, listener: () => void) => {
        ended = listener;
      },
    };
    const stream = { getTracks: () => [track] } as unknown as MediaStream;
    const controls: ClientFrame[] = [];
    const frames: Uint8Array[] = [];
    let buffered = 0;
    const ends: string[] = [];
    let tick: (() => void) | null = null;
    const clockStopped = vi.fn();
    const share = new ScreenShare(
      "S1",
      "r1",
      stream,
      {
        control: (f) => {
          controls.push(f);
          return true;
        },
        binary: (data) => {
          frames.push(data);
          return true;
        },
        buffered: () => buffered,
      },
      (why) => ends.push(why),
      (_ms, fn) => {
        tick = fn;
        return clockStopped;
      },
    );
    const run = async () => {
      tick?.();
      await vi.advanceTimersByTimeAsync(0);
    };
    return {
      share,
      video,
      track,
      controls,
      frames,
      ends,
      drawn,
      clockStopped,
      run,
      setBuffered: (n: number) => (buffered = n),
      endTrack: () => ended?.(),
    };
  }

  it("says it shares, then sends a scaled-down JPEG thumbnail every two seconds", async () => {
    const t = setUp();
    expect(t.controls).toEqual([{ type: "screen", session: "S1", sharing: true, request: "r1" }]);
    expect(t.video.srcObject).not.toBeNull();
    await t.run();
    expect(t.frames).toHaveLength(1);
    expect(decodeFrame(t.frames[0] ?? new Uint8Array())).toMatchObject({
      kind: THUMBNAIL,
      session: "S1",
      width: 320,
      height: 180,
      type: "image/jpeg",
    });
    expect(t.drawn).toEqual([[320, 180]]);
    vi.setSystemTime(101_000);
    await t.run();
    expect(t.frames).toHaveLength(1);
    vi.setSystemTime(102_000);
    await t.run();
    expect(t.frames).toHaveLength(2);
    expect(t.share.sent[THUMBNAIL]).toBe(2);
  });

  it("adds viewer frames up to 1280 wide while watched, and skips frames while the socket is busy", async () => {
    const t = setUp();
    await t.run();
    t.share.watched();
    vi.setSystemTime(100_200);
    await t.run();
    const viewer = decodeFrame(t.frames.at(-1) ?? new Uint8Array());
    expect(viewer).toMatchObject({ kind: VIEWER_FRAME, width: 1280, height: 720 });
    t.setBuffered(2 * 1024 * 1024);
    vi.setSystemTime(100_400);
    await t.run();
    expect(t.frames).toHaveLength(2);
    t.setBuffered(0);
    await t.run();
    expect(t.frames).toHaveLength(3);
    vi.setSystemTime(111_000);
    await t.run();
    expect(decodeFrame(t.frames.at(-1) ?? new Uint8Array())?.kind).toBe(THUMBNAIL);
  });

  it("stops every track at once on stop, says sharing: false and sends nothing more", async () => {
    const t = setUp();
    t.share.stop();
    expect(t.track.stop).toHaveBeenCalledTimes(1);
    expect(t.clockStopped).toHaveBeenCalled();
    expect(t.controls.at(-1)).toEqual({ type: "screen", session: "S1", sharing: false });
    expect(t.ends).toEqual(["stopped"]);
    expect(t.share.active).toBe(false);
    await t.run();
    expect(t.frames).toHaveLength(0);
    t.share.stop();
    expect(t.ends).toHaveLength(1);
  });

  it("ends when the browser ends the track, and says sharing again after a reconnect", () => {
    const t = setUp();
    t.share.resume();
    expect(t.controls).toHaveLength(2);
    t.endTrack();
    expect(t.ends).toEqual(["track_ended"]);
    expect(t.controls.at(-1)).toEqual({ type: "screen", session: "S1", sharing: false });
    t.share.resume();
    expect(t.controls).toHaveLength(3);
  });
});
