/** Which pushed URLs the customer's window opens by itself. Pure. */

import { safeHref } from "../common/linkify";
import type { SessionEvent } from "../common/protocol";

/**
 * The URL to open for `event`, or null: only a `url_pushed` note that arrived live,
 * i.e. with a seq above the `last_seq` of this socket's `subscribed` frame (`liveAfter`,
 * null before that frame), and only an http(s) address. Replayed pushes (a reload, a
 * reconnect) are shown as links in the log and never opened again.
 */
export function livePushedUrl(event: SessionEvent, liveAfter: number | null): string | null {
  if (liveAfter === null || event.seq <= liveAfter) return null;
  if (event.kind !== "status" || event.body.action !== "url_pushed") return null;
  const url = event.body["url"];
  return typeof url === "string" ? safeHref(url) : null;
}
