// @vitest-environment happy-dom
import { render } from "preact";
import { act } from "preact/test-utils";
import { afterEach, describe, expect, it } from "vitest";
import { textFor, TextContext } from "../i18n/text";
import type { LogLine } from "../lines";
import type { Problem } from "../i18n/problems";
import { ChatLog } from "./ChatLog";

let root: HTMLElement;

afterEach(() => {
  act(() => render(null, root));
  root.remove();
});

function mine(state: LogLine["state"], error: Problem | null, key: string = state): LogLine {
  return {
    key: `c-${key}`,
    seq: null,
    at: "2026-12-04T10:00:00Z",
    kind: "message",
    author: "Dana",
    authorNote: null,
    text: "<b>Hallo</b>",
    privacy: null,
    mine: true,
    state,
    error,
    clientId: `id-${key}`,
    reportId: null,
  };
}

function show(lines: LogLine[], lang?: "de"): void {
  root = document.createElement("div");
  document.body.append(root);
  const noop = () => undefined;
  const log = <ChatLog lines={lines} label="Log" emptyText="" fontSize={16} onRetry={noop} onDiscard={noop} />;
  act(() => render(lang === undefined ? log : <TextContext.Provider value={textFor(lang)}>{log}</TextContext.Provider>, root));
}

describe("ChatLog", () => {
  it("speaks the language it is given, and shows typed markup as text", () => {
    show([mine("pending", null), mine("failed", null)], "de");
    expect(root.textContent).toContain("Wird gesendet…");
    expect(root.textContent).toContain("Nicht gesendet: Der Server hat diese Nachricht abgelehnt.");
    const buttons = [...root.querySelectorAll("button")].map((b) => b.textContent);
    expect(buttons).toEqual(["Erneut versuchen", "Verwerfen"]);
    expect(root.querySelector(".line__text b")).toBeNull();
    expect(root.querySelector(".line__text")?.textContent).toBe("<b>Hallo</b>");
  });

  it("says why a message was not sent, or is waiting, in the reader's language", () => {
    const busy = { code: "rate_limited", message: "Too many messages; wait 3 seconds." };
    const ended = { code: "session_ended", message: "This session has ended." };
    const unknown = { code: "invalid_input", message: "This message holds a character that cannot be stored." };
    show([mine("pending", busy), mine("failed", ended, "ended"), mine("failed", unknown, "unknown")], "de");
    expect(root.textContent).toContain("Wird gesendet… Zu viele Versuche.");
    expect(root.textContent).toContain("Nicht gesendet: Die Sitzung ist beendet.");
    expect(root.textContent).toContain("Nicht gesendet: This message holds a character that cannot be stored.");
  });

  it("is English without a language, as in the console", () => {
    show([mine("failed", { code: "too_large", message: "Too long." })]);
    expect(root.textContent).toContain("Not sent: Too long.");
    expect([...root.querySelectorAll("button")].map((b) => b.textContent)).toEqual(["Try again", "Discard"]);
  });
});
