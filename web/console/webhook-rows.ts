/**
 * Pure: the managers' webhooks as the Webhooks page shows them. The API's endpoints and
 * delivery logs decoded forgivingly, an endpoint's address checked before it is sent,
 * and each endpoint and delivery as the words and times of a table row.
 */

import { parseTime } from "../common/format";
import { arr, bool, isObject, num, optNum, optStr, str } from "../common/protocol-json";

export type WebhookEvent = "session.started" | "session.ended" | "session.transferred";

export const WEBHOOK_EVENTS: readonly WebhookEvent[] = ["session.started", "session.ended", "session.transferred"];

export const EVENT_LABELS: Record<WebhookEvent, string> = {
  "session.started": "Session started",
  "session.ended": "Session ended",
  "session.transferred": "Session transferred",
};

export interface Webhook {
  id: number;
  url: string;
  events: string[];
  /** The portal's slug; null: every session of the team. */
  portal: string | null;
  enabled: boolean;
  createdAt: string;
}

export interface Delivery {
  id: number;
  event: string;
  /** "pending", "delivered" or "failed". */
  state: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  finishedAt: string | null;
  nextAttemptAt: string | null;
}

export function decodeWebhook(value: unknown): Webhook {
  const o = isObject(value) ? value : {};
  return {
    id: num(o, "id"),
    url: str(o, "url"),
    events: arr(o, "events").filter((e): e is string => typeof e === "string"),
    portal: optStr(o, "portal"),
    enabled: bool(o, "enabled", true),
    createdAt: str(o, "created_at"),
  };
}

export function decodeWebhooks(body: unknown): Webhook[] {
  return isObject(body) ? arr(body, "webhooks").map(decodeWebhook) : [];
}

export function decodeDelivery(value: unknown): Delivery {
  const o = isObject(value) ? value : {};
  return {
    id: num(o, "id"),
    event: str(o, "event"),
    state: str(o, "state"),
    attempts: num(o, "attempts"),
    lastStatus: optNum(o, "last_status"),
    lastError: optStr(o, "last_error"),
    createdAt: str(o, "created_at"),
    finishedAt: optStr(o, "finished_at"),
    nextAttemptAt: optStr(o, "next_attempt_at"),
  };
}

export function decodeDeliveries(body: unknown): Delivery[] {
  return isObject(body) ? arr(body, "deliveries").map(decodeDelivery) : [];
}

/** Why an endpoint's address cannot be used, or null when it can (the server checks too). */
export function endpointUrlError(text: string): string | null {
  const trimmed = text.trim();
  if (trimmed === "") return "Enter the endpoint's address.";
  if (/\s/.test(trimmed)) return "An address has no spaces.";
  if (!/^https?:\/\//i.test(trimmed)) return "The address starts with https:// or http://.";
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    return "That is not a web address.";
  }
  if (parsed.hostname === "") return "The address needs a host name.";
  return null;
}

export function eventLabel(event: string): string {
  return (EVENT_LABELS as Record<string, string>)[event] ?? event;
}

/** "Session started, Session ended", in the order the events happen. */
export function eventsText(events: readonly string[]): string {
  const known = WEBHOOK_EVENTS.filter((e) => events.includes(e));
  const other = events.filter((e) => !(WEBHOOK_EVENTS as readonly string[]).includes(e));
  return [...known, ...other].map(eventLabel).join(", ");
}

/** "The whole team" or the portal's name (its slug when the portal is unknown). */
export function scopeText(portal: string | null, names: ReadonlyMap<string, string>): string {
  if (portal === null) return "The whole team";
  return names.get(portal) ?? portal;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** "4 Dec 2026, 18:22:07" in the viewer's time zone (calls come seconds apart); "" for a bad time. */
export function formatStamp(iso: string | null): string {
  const ms = parseTime(iso);
  if (ms === null) return "";
  const d = new Date(ms);
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  return (
    `${d.getDate()} ${months[d.getMonth()] ?? ""} ${d.getFullYear()}, ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  );
}

const STATE_LABELS: Record<string, string> = {
  pending: "Waiting",
  delivered: "Delivered",
  failed: "Given up",
};

/** One delivery as the log's row shows it. */
export interface DeliveryRow {
  when: string;
  event: string;
  state: string;
  /** The receiver's status code, or what went wrong, or that it was not tried yet. */
  result: string;
  attempts: string;
  nextRetry: string;
}

export function deliveryRow(d: Delivery): DeliveryRow {
  let result: string;
  if (d.lastError !== null && d.lastError !== "") result = d.lastError;
  else if (d.lastStatus !== null) result = String(d.lastStatus);
  else result = d.attempts === 0 ? "Not tried yet" : "Trying…";
  return {
    when: formatStamp(d.createdAt),
    event: eventLabel(d.event),
    state: STATE_LABELS[d.state] ?? d.state,
    result,
    attempts: String(d.attempts),
    nextRetry: d.state === "pending" && d.nextAttemptAt !== null ? formatStamp(d.nextAttemptAt) : "—",
  };
}

/** Whether the log should be read again soon by itself: a call is still on its way. */
export function anyWaiting(deliveries: readonly Delivery[]): boolean {
  return deliveries.some((d) => d.state === "pending");
}
