/** The query string of GET /api/history from the History page's filters. Pure. */

export interface HistoryFilters {
  /** A portal's slug, or "" for all. */
  portal: string;
  /** A representative's username, or "" for everyone. */
  representative: string;
  /** "resolved", "unresolved", "unknown", or "" for any. */
  outcome: string;
  /** Dates as a date input gives them ("2026-11-25"), in the viewer's time zone; "" for none. */
  from: string;
  to: string;
  /** Words from the chats. */
  q: string;
}

export const NO_FILTERS: HistoryFilters = { portal: "", representative: "", outcome: "", from: "", to: "", q: "" };

/** Local midnight at the start of `date` plus `days`, as an ISO time; null if not a date. */
export function localDayStart(date: string, days = 0): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (match === null) return null;
  const [, y, m, d] = match;
  const moment = new Date(Number(y), Number(m) - 1, Number(d) + days);
  return Number.isNaN(moment.getTime()) ? null : moment.toISOString();
}

/**
 * `from` is the start of its day; `to` includes its whole day (the server's `to` is
 * "started before", so it gets the start of the next day).
 */
export function historyQuery(filters: HistoryFilters, limit: number, offset: number): string {
  const params = new URLSearchParams();
  if (filters.portal !== "") params.set("portal", filters.portal);
  if (filters.representative !== "") params.set("representative", filters.representative);
  if (filters.outcome !== "") params.set("outcome", filters.outcome);
  const from = localDayStart(filters.from);
  if (from !== null) params.set("from", from);
  const to = localDayStart(filters.to, 1);
  if (to !== null) params.set("to", to);
  const q = filters.q.trim();
  if (q !== "") params.set("q", q);
  params.set("limit", String(limit));
  params.set("offset", String(Math.max(0, offset)));
  return params.toString();
}
