/**
 * System information reports (docs/protocol.md, "Report"): their types, a decoder that
 * never throws, and the plain-text form "Copy as text" gives. The text form is the
 * same, character for character, as `report_as_text` in the server's
 * domain/diagnostics.py, so a report copied from the console reads like the one the
 * customer saw on their computer.
 */

import { arr, bool, isObject, num, optNum, optStr, str } from "./protocol-json";

export interface ReportTable {
  columns: string[];
  rows: string[][];
}

export interface ReportSection {
  id: string;
  title: string;
  fields: [string, string][];
  table: ReportTable | null;
}

export interface Report {
  collected_at: string;
  elevated: boolean;
  sections: ReportSection[];
}

/** One report of a session as the list names it (without its content). */
export interface ReportSummary {
  id: number;
  at: string;
  request: string | null;
  task: string | null;
  elevated: boolean;
  sections: number;
}

const text = (v: unknown): string => (typeof v === "string" ? v : "");

function decodeTable(value: unknown): ReportTable | null {
  if (!isObject(value)) return null;
  const columns = arr(value, "columns").map(text);
  if (columns.length === 0) return null;
  const rows = arr(value, "rows")
    .filter((r): r is unknown[] => Array.isArray(r))
    .map((r) => columns.map((_, i) => text(r[i])));
  return { columns, rows };
}

function decodeSection(value: unknown, index: number): ReportSection {
  const o = isObject(value) ? value : {};
  const fields = arr(o, "fields")
    .filter((p): p is unknown[] => Array.isArray(p))
    .map((p): [string, string] => [text(p[0]), text(p[1])]);
  return { id: str(o, "id", `section_${index}`), title: str(o, "title"), fields, table: decodeTable(o["table"]) };
}

export function decodeReport(value: unknown): Report {
  const o = isObject(value) ? value : {};
  return {
    collected_at: str(o, "collected_at"),
    elevated: bool(o, "elevated"),
    sections: arr(o, "sections").map(decodeSection),
  };
}

export function decodeReportSummary(value: unknown): ReportSummary {
  const o = isObject(value) ? value : {};
  return {
    id: num(o, "id"),
    at: str(o, "at"),
    request: optStr(o, "request"),
    task: optStr(o, "task"),
    elevated: bool(o, "elevated"),
    sections: optNum(o, "sections") ?? 0,
  };
}

/** Length in code points, as Python's len() counts (an emoji is one, not two). */
function width(s: string): number {
  return Array.from(s).length;
}

function padEnd(s: string, to: number): string {
  return s + " ".repeat(Math.max(0, to - width(s)));
}

/** The report as plain text: a "== Title ==" heading per section, aligned fields, a table. */
export function reportAsText(report: Report): string {
  const lines: string[] = [];
  for (const section of report.sections) {
    lines.push(`== ${section.title} ==`);
    const labelWidth = Math.max(0, ...section.fields.map(([label]) => width(label)));
    for (const [label, value] of section.fields) lines.push(`${padEnd(label, labelWidth)}  ${value}`);
    const table = section.table;
    if (table !== null) {
      const all = [table.columns, ...table.rows];
      const widths = table.columns.map((_, i) => Math.max(...all.map((row) => width(row[i] ?? ""))));
      for (const row of all) lines.push(row.map((cell, i) => padEnd(cell, widths[i] ?? 0)).join("  "));
    }
    lines.push("");
  }
  return `${lines.join("\n").trimEnd()}\n`;
}
