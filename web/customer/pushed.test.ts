import { describe, expect, it } from "vitest";
import { decodeEvent, type SessionEvent } from "../common/protocol";
import { livePushedUrl } from "./pushed";

function push(seq: number, url: string, action = "url_pushed"): SessionEvent {
  const event = decodeEvent({
    seq,
    kind: "status",
    author: { kind: "representative", name: "Alice" },
    body: { action, text: `Alice pushed ${url}`, url },
  });
  if (event === null) throw new Error("bad event");
  return event;
}

describe("livePushedUrl", () => {
  it("opens a push that arrives after the subscribed frame's last seq", () => {
    expect(livePushedUrl(push(8, "https://example.com/help"), 7)).toBe("https://example.com/help");
  });

  it("never opens a replayed push, nor one before the subscription answered", () => {
    expect(livePushedUrl(push(7, "https://example.com/help"), 7)).toBeNull();
    expect(livePushedUrl(push(3, "https://example.com/help"), 7)).toBeNull();
    expect(livePushedUrl(push(8, "https://example.com/help"), null)).toBeNull();
  });

  it("opens nothing but http and https addresses", () => {
    expect(livePushedUrl(push(8, "javascript:alert(1)"), 1)).toBeNull();
    expect(livePushedUrl(push(8, "data:text/html,hi"), 1)).toBeNull();
    expect(livePushedUrl(push(8, "not a url"), 1)).toBeNull();
    expect(livePushedUrl(push(8, "http://127.0.0.1:8000/healthz"), 1)).toBe("http://127.0.0.1:8000/healthz");
  });

  it("ignores other status notes and messages", () => {
    expect(livePushedUrl(push(8, "https://example.com", "rep_joined"), 1)).toBeNull();
    const message = decodeEvent({ seq: 9, kind: "message", body: { text: "https://example.com", action: "url_pushed", url: "https://example.com" } });
    expect(message !== null && livePushedUrl(message, 1)).toBeNull();
  });
});
