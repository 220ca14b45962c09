/**
 * What the server says to the customer, in the customer's language. The server writes
 * English: errors carry a `code` beside their message, and status notes a `body.action`
 * with their facts beside a ready English `body.text`. In English the page shows the
 * server's own words; in another language it renders the errors and notes it knows
 * from the catalogue, and shows the server's English for the rest. Pure.
 */

import { ApiError, errorMessage } from "../common/api";
import type { Params, Text, TextKey } from "../common/i18n/text";
import type { SessionEvent } from "../common/protocol";

/** How the server writes a masked representative to the customer (domain/drafting.py). */
const ANONYMOUS = "A representative";

/**
 * An error for the customer: by its code where the page names one in `known`, the
 * network and rate limits everywhere; else (and always in English) the server's message.
 * `params` fill the known sentences' placeholders.
 */
export function customerError(
  error: unknown,
  text: Text,
  known: Readonly<Record<string, TextKey>> = {},
  params: Params = {},
): string {
  if (text.lang === "en" || !(error instanceof ApiError)) return errorMessage(error);
  const key = known[error.code] ?? (error.code === "network" ? "error.network" : null);
  if (key !== null) return text.t(key, params);
  if (error.code === "rate_limited") return text.t("error.tooMany");
  return errorMessage(error);
}

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
  if (e.kind === "consent_requested") {
    return e.body["consent"] === "screen" && author !== null ? t("status.screenAsked", { name: author }) : null;
  }
  if (e.kind === "consent_answered") {
    if (e.body["consent"] !== "screen" || e.body["reason"] !== undefined) return null;
    return t(e.body["answer"] === "allowed" ? "status.screenAllowed" : "status.screenDeclined");
  }
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
    default:
      return null;
  }
}
