/**
 * Split chat text into plain text and links, so the screen can show links as anchors
 * without ever parsing the text as HTML. Only absolute http and https URLs become links.
 */

export type Segment = { kind: "text"; text: string } | { kind: "link"; text: string; href: string };

const CANDIDATE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const TRAILING = /[.,;:!?'"*_]+$/;

function trimCandidate(candidate: string): string {
  let url = candidate;
  for (;;) {
    const before = url;
    url = url.replace(TRAILING, "");
    // A closing bracket at the end belongs to the sentence unless the URL opened it.
    for (const [open, close] of [["(", ")"], ["[", "]"], ["{", "}"]] as const) {
      if (url.endsWith(close) && url.split(open).length < url.split(close).length) {
        url = url.slice(0, -1);
      }
    }
    if (url === before) return url;
  }
}

/** The URL as an href if it is a well-formed http(s) URL, else null. */
export function safeHref(candidate: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(candidate);
  } catch {
    return null;
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return null;
  if (parsed.hostname === "") return null;
  return parsed.href;
}

export function splitLinks(text: string): Segment[] {
  const out: Segment[] = [];
  let plain = "";
  let index = 0;
  for (const match of text.matchAll(CANDIDATE)) {
    const start = match.index;
    const url = trimCandidate(match[0]);
    const href = url.length > "https://".length - 1 ? safeHref(url) : null;
    if (href === null) continue;
    plain += text.slice(index, start);
    if (plain !== "") out.push({ kind: "text", text: plain });
    plain = "";
    out.push({ kind: "link", text: url, href });
    index = start + url.length;
  }
  plain += text.slice(index);
  if (plain !== "") out.push({ kind: "text", text: plain });
  return out;
}
