import { describe, expect, it } from "vitest";
import { textFor } from "../common/i18n/text";
import { decodeEvent, type SessionEvent } from "../common/protocol";
import { statusText } from "./translated";

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

describe("statusText for the agent's features", () => {
  const rep = { kind: "representative", name: "Alice" };
  const customer = { kind: "customer", name: "Dana" };

  it("says every request to the customer and every answer in their language", () => {
    const asked = note({ request_id: "r", consent: "credentials" }, rep, "consent_requested");
    expect(statusText(asked, de, "Dana")).toBe("Alice bittet um Ihre Anmeldedaten.");
    const masked = note({ request_id: "r", consent: "diagnostics" }, { kind: "representative", name: "A representative" }, "consent_requested");
    expect(statusText(masked, textFor("es"), "Dana")).toBe("Un representante pide información del sistema de su ordenador.");
    const allowed = note({ request_id: "r", consent: "service", answer: "allowed" }, customer, "consent_answered");
    expect(statusText(allowed, textFor("fr"), "Dana")).toBe(
      "Vous avez accepté la demande d’exécuter l’agent d’assistance en tant que service.",
    );
    const declined = note({ request_id: "r", consent: "url", answer: "declined" }, customer, "consent_answered");
    expect(statusText(declined, de, "Dana")).toBe("Sie haben die Anfrage abgelehnt, eine Webseite auf Ihrem Computer zu öffnen.");
    const timedOut = note({ request_id: "r", consent: "file", answer: "declined", reason: "timeout" }, customer, "consent_answered");
    expect(statusText(timedOut, de, "Dana")).toBe("Niemand hat die Anfrage rechtzeitig beantwortet, daher wurde sie abgelehnt.");
    const revoked = note({ action: "consent_revoked", request_id: "r", consent: "credentials" }, customer);
    expect(statusText(revoked, de, "Dana")).toBe("Sie haben die Erlaubnis zur Verwendung Ihrer Anmeldedaten zurückgezogen.");
    expect(statusText(note({ action: "diagnostics_sent", request_id: "r", diagnostics_id: 4 }, customer), de, "Dana")).toBe(
      "Sie haben Systeminformationen an die Mitarbeiter gesendet.",
    );
  });

  it("says each step of a task, with the agent's reason for a failure as it came", () => {
    const service = { task_id: "t", task: "restart_service", service: "nginx" };
    const requested = note({ action: "task_requested", runner: "credentials", ...service }, rep);
    expect(statusText(requested, de, "Dana")).toBe(
      "Alice hat mit Ihren Anmeldedaten Folgendes veranlasst: Systemdienst nginx neu starten.",
    );
    const failed = note({ action: "task_failed", detail: "systemctl exited with status 5.", ...service }, customer);
    expect(statusText(failed, textFor("fr"), "Dana")).toBe(
      "Échec : redémarrer le service système nginx. systemctl exited with status 5.",
    );
    const reboot = { task_id: "t", task: "reboot" };
    expect(statusText(note({ action: "task_done", ...reboot }, customer), de, "Dana")).toBe(
      "Ihr Computer wurde neu gestartet und ist wieder mit dieser Sitzung verbunden.",
    );
    expect(statusText(note({ action: "task_done", reconnects: false, ...reboot }, customer), textFor("es"), "Dana")).toContain(
      "no volverá solo a esta sesión",
    );
    const stopped = note({ action: "task_failed", reason: "stopped_waiting", ...reboot }, rep);
    expect(statusText(stopped, de, "Dana")).toBe("Alice wartet nicht mehr darauf, dass Ihr Computer dies abschließt: Computer neu starten.");
    expect(statusText(note({ action: "task_done", task_id: "t", task: "format_disk" }, customer), de, "Dana")).toBeNull();
  });
});
