/** Small pure formatting helpers shared by both apps. */

/** Milliseconds since the epoch for an ISO time, or null if it is not one. */
export function parseTime(iso: string | null | undefined): number | null {
  if (iso === null || iso === undefined || iso === "") return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** "14:05" in the viewer's time zone; "" for a bad time. */
export function formatClock(iso: string): string {
  const ms = parseTime(iso);
  if (ms === null) return "";
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** "25 Nov 2025, 14:05" in the viewer's time zone; "" for a bad time. */
export function formatDateTime(iso: string | null): string {
  const ms = parseTime(iso);
  if (ms === null) return "";
  const d = new Date(ms);
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  return `${d.getDate()} ${months[d.getMonth()] ?? ""} ${d.getFullYear()}, ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** "123456789" → "123 456 789"; anything else is returned as it is. */
export function groupCode(code: string): string {
  return /^\d{9}$/.test(code) ? `${code.slice(0, 3)} ${code.slice(3, 6)} ${code.slice(6)}` : code;
}

/** What a person typed as a session code, as nine digits, or null. */
export function normalizeCode(text: string): string | null {
  const digits = text.replace(/[\s-]/g, "");
  return /^\d{9}$/.test(digits) ? digits : null;
}

/** A countdown: "19:42", or "1:02:03" past an hour; "0:00" when over. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

/** "1 second", "75 seconds". */
export function plural(n: number, one: string, many: string = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
