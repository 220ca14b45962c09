/**
 * The session's status notes, in the customer's language. The server writes English:
 * each note carries a `body.action` (or its kind) with its facts beside a ready English
 * `body.text`. In English the page shows the server's own words; in another language
 * it renders the notes it knows from the catalogue, and the server's English for the
 * rest. Errors are said the same way by ../common/i18n/problems. Pure.
 */

import type { Text } from "../common/i18n/text";
import type { SessionEvent } from "../common/protocol";

/** How the server writes a masked representative to the customer (domain/drafting.py). */
const ANONYMOUS = "A representative";

/** A person's name as the server sent it, with its "A representative" in the page's language. */
export function personName(name: string, text: Text, lower = false): string {
  if (name === ANONYMOUS || name === ANONYMOUS.toLowerCase()) {
    return text.t(lower ? "people.aRepLower" : "people.aRep");
  }
  return name;
}

function field(e: SessionEvent, key: string): string | null {
  const value = e.body[key];
  return typeof value === "string" && value !== "" ? value : null;
}

/**
 * A status note the customer sees, in the page's language, from its facts; null where
 * the page is English or the note's facts are not enough (then `body.text` is shown).
 * `customerName` names the customer in their own join note.
 */
export function statusText(e: SessionEvent, text: Text, customerName: string): string | null {
  if (text.lang === "en") return null;
  const { t } = text;
  const author = e.author.name !== "" ? personName(e.author.name, text) : null;
  if (e.kind === "consent_requested" || e.kind === "consent_answered") return consentText(e, text, author);
  if (e.kind !== "status") return null;
  const rep = field(e, "rep_name");
  const file = field(e, "name");
  const size = typeof e.body["size"] === "number" ? text.size(e.body["size"]) : null;
  switch (e.body.action) {
    case "customer_joined":
      return customerName !== "" ? t("status.customerJoined", { name: customerName }) : null;
    case "rep_joined":
      return rep !== null ? t("status.repJoined", { name: rep }) : null;
    case "picked_up":
      return rep !== null ? t("status.pickedUp", { name: rep }) : null;
    case "rep_left":
      return rep !== null ? t("status.repLeft", { name: rep }) : null;
    case "transferred": {
      const from = field(e, "from_name");
      return rep !== null && from !== null ? t("status.transferred", { name: rep, from: personName(from, text, true) }) : null;
    }
    case "ended": {
      const by = field(e, "ended_by");
      return by !== null ? t("status.ended", { name: personName(by, text, true) }) : null;
    }
    case "url_pushed": {
      const url = field(e, "url");
      return url !== null && author !== null ? t("status.urlPushed", { name: author, url }) : null;
    }
    case "agent_attached":
      return t("status.agentAttached");
    case "file_offered":
      return file !== null && size !== null && author !== null
        ? t("status.fileOffered", { name: author, file, size })
        : null;
    case "file_completed":
      return file !== null && size !== null && author !== null
        ? t("status.fileCompleted", { name: author, file, size })
        : null;
    case "file_accepted":
      return file !== null && size !== null ? t("status.fileAccepted", { file, size }) : null;
    case "file_declined":
      return file !== null && size !== null ? t("status.fileDeclined", { file, size }) : null;
    case "screen_started":
      return t("status.screenStarted");
    case "screen_stopped":
      return t("status.screenStopped");
    case "consent_revoked": {
      const consent = e.body["consent"];
      return consent === "credentials" || consent === "service" ? t(`status.revoked.${consent}`) : null;
    }
    case "diagnostics_sent":
      return t("status.diagnosticsSent");
    default:
      return e.body.action?.startsWith("task_") === true ? taskText(e, text, author) : null;
  }
}

const CONSENTS = ["screen", "file", "url", "credentials", "service", "diagnostics"] as const;
type Consent = (typeof CONSENTS)[number];

function consentOf(e: SessionEvent): Consent | null {
  const kind = e.body["consent"];
  return CONSENTS.find((c) => c === kind) ?? null;
}

/** A request to the customer, and their answer (or their client's, with its reason). */
function consentText(e: SessionEvent, text: Text, author: string | null): string | null {
  const { t } = text;
  const consent = consentOf(e);
  if (consent === null) return null;
  if (e.kind === "consent_requested") return author !== null ? t(`status.ask.${consent}`, { name: author }) : null;
  switch (e.body["reason"]) {
    case undefined:
      return t(e.body["answer"] === "allowed" ? `status.allowed.${consent}` : `status.declined.${consent}`);
    case "no_display":
      return t("status.declinedNoDisplay");
    case "timeout":
      return t("status.declinedTimeout");
    case "unattended":
      return t("status.declinedUnattended");
    default:
      return null;
  }
}

/** What a task does, as the catalogue names it; null for a task this page does not know. */
function taskName(e: SessionEvent, text: Text): string | null {
  const service = field(e, "service");
  switch (e.body["task"]) {
    case "reboot":
      return text.t("task.reboot");
    case "restart_service":
      return service !== null ? text.t("task.restartService", { service }) : null;
    case "elevated_diagnostics":
      return text.t("task.elevatedDiagnostics");
    case "unlock_screen":
      return text.t("task.unlockScreen");
    default:
      return null;
  }
}

/**
 * A step of a task on the customer's computer. A failure's detail is the agent's own
 * words about the system (a command's exit status), shown as they came.
 */
function taskText(e: SessionEvent, text: Text, author: string | null): string | null {
  const { t } = text;
  const task = taskName(e, text);
  if (task === null) return null;
  switch (e.body.action) {
    case "task_requested":
      if (author === null) return null;
      return t(e.body["runner"] === "credentials" ? "status.taskWithCredentials" : "status.taskByService", {
        name: author,
        task,
      });
    case "task_restarting":
      return t("status.taskRestarting");
    case "task_done":
      if (e.body["reconnects"] === false) return t("status.taskRestartingForGood");
      return t(e.body["task"] === "reboot" ? "status.taskRebooted" : "status.taskDone", { task });
    case "task_failed": {
      if (e.body["reason"] === "stopped_waiting") {
        return author !== null ? t("status.taskStopped", { name: author, task }) : null;
      }
      const detail = field(e, "detail");
      return detail !== null ? t("status.taskFailedDetail", { task, detail }) : t("status.taskFailed", { task });
    }
    default:
      return null;
  }
}
