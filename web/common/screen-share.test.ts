import { afterEach, describe, expect, it, vi } from "vitest";
import type { ClientFrame } from "./protocol-frames";
import { THUMBNAIL, VIEWER_FRAME, decodeFrame } from "./screen";
import { FrameSchedule, ScreenShare, WatchWindow } from "./screen-share";

const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);

describe("the customer's pace", () => {
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
