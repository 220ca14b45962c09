/**
 * The Diagnostics window: the system information reports a customer's agent sent in a
 * session, read-only. Categories (the report's sections) on the left, the chosen one's
 * values and table on the right; earlier reports to choose from; Refresh asks the
 * customer again (a new request, a new consent); copy as text or JSON. Every value is
 * rendered as text: a report comes from the customer's computer and is never trusted.
 */

import { signal } from "@preact/signals";
import { useEffect, useRef, useState } from "preact/hooks";
import { type Report, type ReportSection, reportAsText } from "../common/diagnostics";
import { formatClock } from "../common/format";
import type { ReportSummary } from "../common/diagnostics";
import { Dialog } from "../common/ui/Dialog";
import { useLoaded } from "../common/useLoaded";
import { askComputer, computerError, loadReport, loadReports, NEEDS_AGENT } from "./computer-actions";
import { readComputerLog } from "./computer-log";
import type { Tab } from "./state";

/** Which session's window is open, and which report it should show first. */
const shown = signal<{ sessionId: string; report: number | null } | null>(null);

export function openDiagnostics(sessionId: string, report: number | null = null): void {
  shown.value = { sessionId, report };
}

export function DiagnosticsWindow({ tab }: { tab: Tab }) {
  const open = shown.value?.sessionId === tab.id;
  return (
    <Dialog
      open={open}
      title="Diagnostics"
      onClose={() => (shown.value = null)}
      testId="diagnostics"
      class="dialog--wide dialog--diagnostics"
    >
      <DiagnosticsBody tab={tab} first={shown.value?.report ?? null} />
    </Dialog>
  );
}

function DiagnosticsBody({ tab, first }: { tab: Tab; first: number | null }) {
  const ended = tab.session.status === "ended";
  const log = readComputerLog(tab.events, ended);
  const name = tab.session.customer.name || "the customer";
  const [chosen, setChosen] = useState<number | null>(first);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  // After Refresh, the next report to arrive is the one to show.
  const wantNewest = useRef(false);

  // The log announces each new report: read the list again, and show the newest.
  const reports = useLoaded(() => loadReports(tab.id), [tab.id, log.reports.length]);
  const list: ReportSummary[] = reports.value ?? [];
  useEffect(() => {
    const read = reports.value;
    if (read === null) return;
    const newest = read[read.length - 1];
    // A new list comes only when the log announced another report.
    const keep = !wantNewest.current;
    wantNewest.current = false;
    setChosen((now) => (keep && now !== null && read.some((r) => r.id === now) ? now : (newest?.id ?? null)));
  }, [reports.value]);

  const stored = useLoaded(chosen === null ? null : () => loadReport(chosen), [chosen]);
  const report = stored.value;

  // The window's one error line: a read's error, until the next action clears it.
  useEffect(() => {
    if (reports.error !== null) setError(reports.error);
  }, [reports.error]);
  useEffect(() => {
    if (stored.error !== null) setError(stored.error);
  }, [stored.error]);

  const refresh = async () => {
    setError(null);
    setStatus(null);
    try {
      await askComputer(tab.id, "diagnostics");
      wantNewest.current = true;
      setStatus(`Asked ${name} for system information again. The new report shows here once they send it.`);
    } catch (err) {
      setError(computerError(err, "ask"));
    }
  };

  const copy = async (what: "text" | "JSON") => {
    if (report === null) return;
    const content = what === "text" ? reportAsText(report.report) : `${JSON.stringify(report.report, null, 2)}\n`;
    try {
      await navigator.clipboard.writeText(content);
      setStatus(`Copied the report as ${what}.`);
    } catch {
      setError("Could not copy: the browser did not allow it.");
    }
  };

  const refreshReason = ended
    ? "The session has ended."
    : tab.session.customer.app !== "agent"
      ? NEEDS_AGENT
      : log.pending.has("diagnostics")
        ? `Waiting for ${name} to answer.`
        : null;

  return (
    <div class="diagnostics">
      <div class="diagnostics__bar">
        <label for="diagnostics-report">Report</label>
        <select
          id="diagnostics-report"
          value={chosen === null ? "" : String(chosen)}
          disabled={list.length === 0}
          onChange={(e) => setChosen(Number.parseInt(e.currentTarget.value, 10))}
        >
          {list.length === 0 ? <option value="">None yet</option> : null}
          {list.map((r) => (
            <option key={r.id} value={String(r.id)}>
              {formatClock(r.at)} · {r.sections} sections{r.elevated ? " · with administrator rights" : ""}
            </option>
          ))}
        </select>
        <button
          type="button"
          aria-disabled={refreshReason !== null ? "true" : undefined}
          title={refreshReason ?? `Ask ${name} for new system information`}
          onClick={() => (refreshReason === null ? void refresh() : setStatus(refreshReason))}
        >
          Refresh
        </button>
        <button type="button" disabled={report === null} onClick={() => void copy("text")}>
          Copy as text
        </button>
        <button type="button" disabled={report === null} onClick={() => void copy("JSON")}>
          Copy as JSON
        </button>
      </div>
      {status !== null ? (
        <p class="muted" role="status" data-testid="diagnostics-status">
          {status}
        </p>
      ) : null}
      {error !== null ? (
        <p class="form-error" role="alert">
          {error}
        </p>
      ) : null}
      {report !== null ? (
        <ReportView key={report.id} report={report.report} />
      ) : list.length === 0 ? (
        <p data-testid="diagnostics-empty">No system information from {name} yet. Refresh asks them for it.</p>
      ) : null}
    </div>
  );
}

/** One report: its sections as vertical tabs, the chosen one beside them. */
function ReportView({ report }: { report: Report }) {
  const [index, setIndex] = useState(0);
  const section = report.sections[index];
  const tabId = (i: number) => `diagnostics-tab-${i}`;
  const move = (to: number) => {
    const count = report.sections.length;
    if (count === 0) return;
    const next = (to + count) % count;
    setIndex(next);
    document.getElementById(tabId(next))?.focus();
  };
  return (
    <div class="diagnostics__report">
      <p class="muted diagnostics__meta" data-testid="diagnostics-collected">
        Collected {report.collected_at !== "" ? `at ${report.collected_at}` : "at an unknown time"}
        {report.elevated ? ", with administrator rights" : ""}.
      </p>
      <div class="diagnostics__body">
        <div class="diagnostics__sections" role="tablist" aria-orientation="vertical" aria-label="Categories">
          {report.sections.map((s, i) => (
            <button
              key={s.id}
              id={tabId(i)}
              type="button"
              role="tab"
              aria-selected={i === index}
              aria-controls="diagnostics-panel"
              tabIndex={i === index ? 0 : -1}
              onClick={() => setIndex(i)}
              onKeyDown={(e) => {
                const keys: Record<string, number> = {
                  ArrowDown: i + 1,
                  ArrowUp: i - 1,
                  Home: 0,
                  End: report.sections.length - 1,
                };
                const to = keys[e.key];
                if (to !== undefined) {
                  e.preventDefault();
                  move(to);
                }
              }}
            >
              {s.title || s.id}
            </button>
          ))}
        </div>
        {section !== undefined ? (
          <SectionView section={section} labelledBy={tabId(index)} />
        ) : (
          <p>This report is empty.</p>
        )}
      </div>
    </div>
  );
}

function SectionView({ section, labelledBy }: { section: ReportSection; labelledBy: string }) {
  return (
    <div id="diagnostics-panel" class="diagnostics__panel" role="tabpanel" aria-labelledby={labelledBy} tabIndex={0}>
      <h3>{section.title || section.id}</h3>
      {section.fields.length > 0 ? (
        <dl class="details diagnostics__fields">
          {section.fields.map(([label, value], i) => (
            <div class="details__row" key={i}>
              <dt>{label}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
      ) : null}
      {section.table !== null ? (
        <div class="diagnostics__table-wrap">
          <table class="diagnostics__table">
            <caption class="visually-hidden">{section.title}</caption>
            <thead>
              <tr>
                {section.table.columns.map((c, i) => (
                  <th key={i} scope="col">
                    {c}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {section.table.rows.map((row, r) => (
                <tr key={r}>
                  {row.map((cell, c) => (
                    <td key={c}>{cell}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {section.fields.length === 0 && section.table === null ? <p class="muted">Nothing in this category.</p> : null}
    </div>
  );
}
