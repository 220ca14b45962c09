import { describe, expect, it } from "vitest";
import { ApiError } from "../common/api";
import { textFor } from "../common/i18n/text";
import { decodeEvent, type SessionEvent } from "../common/protocol";
import { customerError, statusText } from "./translated";

const de = textFor("de");
const en = textFor("en");

function note(body: Record<string, unknown>, author = { kind: "system", name: "" }, kind = "status"): SessionEvent {
  const event = decodeEvent({ seq: 3, kind, author, body });
  if (event === null) throw new Error("bad event");
  return event;
}

describe("statusText", () => {
  it("renders the customer's status notes from their facts", () => {
    const picked = note({ action: "picked_up", text: "Alice picked up the session.", rep_name: "Alice" });
    expect(statusText(picked, de, "Dana")).toBe("Alice hat die Sitzung übernommen.");
    const joined = note({ action: "customer_joined", text: "Dana joined the session." });
    expect(statusText(joined, de, "Dana")).toBe("Dana ist der Sitzung beigetreten.");
    const offered = note(
      { action: "file_offered", text: "…", name: "log.txt", size: 2048, audience: "customer" },
      { kind: "representative", name: "A representative" },
    );
    expect(statusText(offered, de, "Dana")).toBe("Ein Mitarbeiter hat die Datei log.txt (2,0 KB) angeboten.");
    const ended = note({ action: "ended", text: "The session was ended by a representative.", ended_by: "a representative" });
    expect(statusText(ended, textFor("fr"), "Dana")).toBe("La session a été terminée par un conseiller.");
  });

  it("leaves English, and notes it cannot render, to the server's text", () => {
    const picked = note({ action: "picked_up", text: "Alice picked up the session.", rep_name: "Alice" });
    expect(statusText(picked, en, "Dana")).toBeNull();
    expect(statusText(note({ action: "task_failed", text: "Could not restart." }), de, "Dana")).toBeNull();
    expect(statusText(note({ action: "rep_left", text: "Alice left the session." }), de, "Dana")).toBeNull();
  });
});

describe("customerError", () => {
  it("says the errors the page knows in its language, others as the server said them", () => {
    const missing = new ApiError(404, "not_found", "There is no support portal called 'x'.");
    expect(customerError(missing, de, { not_found: "portal.notFound" }, { slug: "x" })).toBe(
      "Es gibt kein Supportportal namens „x“.",
    );
    expect(customerError(missing, en, { not_found: "portal.notFound" }, { slug: "x" })).toBe(
      "There is no support portal called 'x'.",
    );
    expect(customerError(new ApiError(429, "rate_limited", "Too many."), de)).toContain("Zu viele Versuche");
    expect(customerError(new ApiError(422, "invalid_input", "A name is needed."), de)).toBe("A name is needed.");
  });
});
