/** Turn the log and the outbox into the lines the chat box shows. Pure. */

import type { OutboxEntry } from "./connection-core";
import type { Problem } from "./i18n/problems";
import type { SessionEvent } from "./protocol";
import type { Recipient } from "./protocol-frames";

/** One line of the conversation as the screen shows it. */
export interface LogLine {
  key: string;
  seq: number | null;
  at: string;
  kind: "message" | "status";
  author: string;
  /** Extra words after the author, e.g. "(masked)". */
  authorNote: string | null;
  text: string;
  /** "Private to Bob", "To representatives", or null for everyone. */
  privacy: string | null;
  mine: boolean;
  state: "sent" | "pending" | "failed";
  error: Problem | null;
  clientId: string | null;
  /** A status note that announces a system information report: the report's id. */
  reportId: number | null;
}

export interface Viewer {
  /** Whether the viewer wrote `event`. */
  isMine(event: SessionEvent): boolean;
  /** The viewer's own name, for lines still in the outbox. */
  myName: string;
  /** A representative's name by id (for a private line still in the outbox). */
  repName(id: number): string | null;
  /** A status note in the viewer's language, or null for the server's `body.text`. */
  statusText?(event: SessionEvent): string | null;
}

export function privacyLabel(audience: SessionEvent["audience"], toName: string | null): string | null {
  if (audience === "representatives") return "To representatives";
  if (audience === "one") return `Private to ${toName !== null && toName !== "" ? toName : "one representative"}`;
  return null;
}

function recipientPrivacy(to: Recipient | undefined, viewer: Viewer): string | null {
  if (to === undefined || to === "everyone") return null;
  if (to === "representatives") return privacyLabel("representatives", null);
  return privacyLabel("one", viewer.repName(to));
}

/** Chat lines: messages and status notes (notes live in their own panel). */
export function chatLines(
  events: readonly SessionEvent[],
  outbox: readonly OutboxEntry[],
  viewer: Viewer,
): LogLine[] {
  const out: { line: LogLine; order: number }[] = [];
  for (const e of events) {
    if (e.kind === "note") continue;
    if (e.kind === "message") {
      out.push({
        order: e.seq,
        line: {
          key: `e${e.seq}`,
          seq: e.seq,
          at: e.at,
          kind: "message",
          author: e.author.name || (e.author.kind === "customer" ? "Customer" : "Representative"),
          authorNote: e.masked ? "(masked)" : null,
          text: e.body.text,
          privacy: privacyLabel(e.audience, e.to?.name ?? null),
          mine: viewer.isMine(e),
          state: "sent",
          error: null,
          clientId: e.client_id,
          reportId: null,
        },
      });
    } else {
      const report = e.body["diagnostics_id"];
      out.push({
        order: e.seq,
        line: {
          key: `e${e.seq}`,
          seq: e.seq,
          at: e.at,
          kind: "status",
          author: e.author.name,
          authorNote: null,
          text: viewer.statusText?.(e) ?? (e.body.text !== "" ? e.body.text : statusFallback(e)),
          privacy: privacyLabel(e.audience, e.to?.name ?? null),
          mine: false,
          state: "sent",
          error: null,
          clientId: null,
          reportId: typeof report === "number" ? report : null,
        },
      });
    }
  }
  let tail = Number.MAX_SAFE_INTEGER - outbox.length;
  for (const entry of outbox) {
    if (entry.kind !== "message") continue;
    const order = entry.state === "acked" && entry.seq !== null ? entry.seq + 0.5 : tail++;
    out.push({ order, line: outboxLine(entry, viewer) });
  }
  out.sort((a, b) => a.order - b.order);
  return out.map((x) => x.line);
}

/** Session notes, oldest first, with those still in the outbox. */
export function noteLines(
  events: readonly SessionEvent[],
  outbox: readonly OutboxEntry[],
  viewer: Viewer,
): LogLine[] {
  const lines: LogLine[] = events
    .filter((e) => e.kind === "note")
    .map((e) => ({
      key: `e${e.seq}`,
      seq: e.seq,
      at: e.at,
      kind: "message",
      author: e.author.name,
      authorNote: null,
      text: e.body.text,
      privacy: null,
      mine: viewer.isMine(e),
      state: "sent",
      error: null,
      clientId: e.client_id,
      reportId: null,
    }));
  for (const entry of outbox) {
    if (entry.kind === "note") lines.push(outboxLine(entry, viewer));
  }
  return lines;
}

function outboxLine(entry: OutboxEntry, viewer: Viewer): LogLine {
  return {
    key: `c${entry.clientId}`,
    seq: entry.seq,
    at: new Date(entry.createdAt).toISOString(),
    kind: "message",
    author: viewer.myName,
    authorNote: null,
    text: entry.text,
    privacy: recipientPrivacy(entry.to, viewer),
    mine: true,
    state: entry.state === "failed" ? "failed" : entry.state === "pending" ? "pending" : "sent",
    error: entry.error,
    clientId: entry.clientId,
    reportId: null,
  };
}

function statusFallback(e: SessionEvent): string {
  switch (e.kind) {
    case "consent_requested":
      return "A request was sent to the customer.";
    case "consent_answered":
      return "The customer answered a request.";
    default:
      return e.body.action !== null ? e.body.action.replace(/_/g, " ") : "";
  }
}
