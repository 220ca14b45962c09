import { afterEach, describe, expect, it, vi } from "vitest";
import type { ClientFrame } from "./protocol-frames";
import { THUMBNAIL, VIEWER_FRAME, encodeFrame } from "./screen";
import { ScreenFeed, ScreenWatch, type UrlMaker } from "./screen-feed";

const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);

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
});
