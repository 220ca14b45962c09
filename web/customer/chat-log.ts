/**
 * The chat log a customer saves, in their language. In English the page links to the
 * server's `transcript.txt`; in another language the page writes the same file itself
 * from what it shows (the session's details, then every line as the customer reads
 * it, status notes translated), since the server writes English only. Times are UTC,
 * as in the server's file. Pure.
 */

import type { Text } from "../common/i18n/text";
import type { LogLine } from "../common/lines";
import type { Session } from "../common/protocol";
import { personName } from "./translated";

/** "2026-12-05 07:00:00 UTC", as the server writes a moment. */
export function utcStamp(iso: string): string {
  const moment = new Date(iso);
  if (Number.isNaN(moment.getTime())) return iso;
  return `${moment.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

function clock(iso: string): string {
  const moment = new Date(iso);
  return Number.isNaN(moment.getTime()) ? "--:--:--" : moment.toISOString().slice(11, 19);
}

/** The session's details, one per line, as the log's header. */
export function headerLines(session: Session, text: Text): string[] {
  const { t } = text;
  const lines = [
    t("log.title"),
    t("log.session", { id: session.id }),
    t("log.portal", { portal: session.portal?.name ?? t("log.byCode") }),
    t("log.started", { time: utcStamp(session.started_at) }),
    t("log.customer", { name: session.customer.name }),
    t("log.query", { query: session.query !== "" ? session.query : t("log.noQuery") }),
  ];
  if (session.ended_at !== null) {
    const time = utcStamp(session.ended_at);
    lines.push(session.ended_by !== null && session.ended_by !== ""
      ? t("log.endedBy", { time, name: personName(session.ended_by, text, true) })
      : t("log.ended", { time }));
  }
  return lines;
}

/** One shown line: `[07:01:02] * note` or `[07:01:02] Dana: text`. Sends not yet confirmed are left out. */
function logLine(line: LogLine): string | null {
  if (line.state !== "sent") return null;
  const at = `[${clock(line.at)}]`;
  if (line.kind === "status") return `${at} * ${line.text}`;
  const privacy = line.privacy !== null ? ` (${line.privacy})` : "";
  return `${at} ${line.author}${privacy}: ${line.text}`;
}

/** The whole file: header, a rule, the lines. */
export function chatLogText(session: Session, lines: readonly LogLine[], text: Text): string {
  const body = lines.map(logLine).filter((l): l is string => l !== null);
  return [...headerLines(session, text), "-".repeat(60), ...body].join("\n") + "\n";
}
