import { useLayoutEffect, useRef } from "preact/hooks";
import { formatClock } from "../format";
import { sayProblem } from "../i18n/problems";
import { useText } from "../i18n/text";
import type { LogLine } from "../lines";
import { Linkified } from "./Linkified";

interface ChatLogProps {
  lines: readonly LogLine[];
  /** The log's accessible name, e.g. "Conversation with Carol". */
  label: string;
  emptyText: string;
  fontSize: number;
  onRetry?: (clientId: string) => void;
  onDiscard?: (clientId: string) => void;
  /** Makes a note that announces a report a button that opens it (the console). */
  onOpenReport?: (reportId: number) => void;
}

/** The conversation: role="log", announced politely, scrolled to the newest line. */
export function ChatLog({ lines, label, emptyText, fontSize, onRetry, onDiscard, onOpenReport }: ChatLogProps) {
  const ref = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);

  useLayoutEffect(() => {
    const el = ref.current;
    if (el !== null && atBottom.current) el.scrollTop = el.scrollHeight;
  }, [lines]);

  return (
    <div
      ref={ref}
      class="chat-log"
      role="log"
      aria-live="polite"
      aria-relevant="additions"
      aria-label={label}
      tabIndex={0}
      style={{ fontSize: `${fontSize}px` }}
      onScroll={(e) => {
        const el = e.currentTarget;
        atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
      }}
    >
      {lines.length === 0 ? <p class="chat-log__empty">{emptyText}</p> : null}
      <ol class="chat-log__lines">
        {lines.map((line) => (
          <Line key={line.key} line={line} onRetry={onRetry} onDiscard={onDiscard} onOpenReport={onOpenReport} />
        ))}
      </ol>
    </div>
  );
}

function Line({
  line,
  onRetry,
  onDiscard,
  onOpenReport,
}: {
  line: LogLine;
  onRetry: ((clientId: string) => void) | undefined;
  onDiscard: ((clientId: string) => void) | undefined;
  onOpenReport: ((reportId: number) => void) | undefined;
}) {
  const text = useText();
  const { t } = text;
  const time = (
    <time class="line__time" dateTime={line.at}>
      {formatClock(line.at)}
    </time>
  );
  if (line.kind === "status") {
    return (
      <li class="line line--status" data-kind="status" data-seq={line.seq ?? undefined} data-testid="chat-line">
        {time}
        <span class="line__status-text">
          <span class="line__status-icon" aria-hidden="true">
            ●
          </span>{" "}
          {line.reportId !== null && onOpenReport !== undefined ? (
            <button
              type="button"
              class="link-button"
              aria-haspopup="dialog"
              data-testid="open-report"
              onClick={() => onOpenReport(line.reportId ?? 0)}
            >
              {line.text}
            </button>
          ) : (
            <Linkified text={line.text} />
          )}
        </span>
        {line.privacy !== null ? (
          <span class="badge badge--private" data-testid="private-mark">
            {line.privacy}
          </span>
        ) : null}
      </li>
    );
  }
  const classes = ["line", "line--message"];
  if (line.mine) classes.push("line--mine");
  if (line.privacy !== null) classes.push("line--private");
  if (line.state !== "sent") classes.push(`line--${line.state}`);
  return (
    <li
      class={classes.join(" ")}
      data-kind="message"
      data-seq={line.seq ?? undefined}
      data-state={line.state}
      data-testid="chat-line"
    >
      <div class="line__meta">
        {time} <span class="line__author">{line.author}</span>
        {line.authorNote !== null ? <span class="line__author-note"> {line.authorNote}</span> : null}
        {line.privacy !== null ? (
          <span class="badge badge--private" data-testid="private-mark">
            {line.privacy}
          </span>
        ) : null}
      </div>
      <div class="line__text">
        <Linkified text={line.text} />
      </div>
      {line.state === "pending" ? (
        <div class="line__pending" data-testid="pending-mark">
          {t("ui.sending")}{line.error !== null ? <span class="muted"> {sayProblem(line.error, text)}</span> : null}
        </div>
      ) : null}
      {line.state === "failed" ? (
        <div class="line__failed" role="alert">
          <span>{t("ui.notSent", { reason: line.error !== null ? sayProblem(line.error, text) : t("ui.refused") })}</span>{" "}
          {onRetry !== undefined && line.clientId !== null ? (
            <button type="button" class="link-button" onClick={() => onRetry(line.clientId ?? "")}>
              {t("ui.tryAgain")}
            </button>
          ) : null}{" "}
          {onDiscard !== undefined && line.clientId !== null ? (
            <button type="button" class="link-button" onClick={() => onDiscard(line.clientId ?? "")}>
              {t("ui.discard")}
            </button>
          ) : null}
        </div>
      ) : null}
    </li>
  );
}
