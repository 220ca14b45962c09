/**
 * The idle icon on a console tab: how long since this representative last wrote to
 * everyone in the session (or, before that, since they joined it).
 */

import { parseTime } from "./format";
import type { Attendee, SessionEvent } from "./protocol";

export type IdleLevel = "green" | "yellow" | "red";

export function idleLevel(seconds: number, warningSeconds: number, alertSeconds: number): IdleLevel {
  if (seconds >= alertSeconds) return "red";
  if (seconds >= warningSeconds) return "yellow";
  return "green";
}

export function idleLabel(seconds: number): string {
  return `Last message to customer ${seconds} ${seconds === 1 ? "second" : "seconds"} ago`;
}

export interface MeLike {
  id: number;
  name: string;
}

/** Whether `event` is a message from me to everyone (the customer included). */
export function isMyMessageToEveryone(event: SessionEvent, me: MeLike): boolean {
  return (
    event.kind === "message" &&
    event.audience === "everyone" &&
    event.author.kind === "representative" &&
    event.author.id === me.id
  );
}

/** When I joined, as the log tells it: the newest "picked up"/"joined" note that names me. */
export function joinedAtFromEvents(events: readonly SessionEvent[], me: MeLike): number | null {
  let found: number | null = null;
  for (const e of events) {
    if (e.kind !== "status") continue;
    const action = e.body.action;
    if (action !== "picked_up" && action !== "rep_joined") continue;
    const repId = e.internal["rep_id"];
    const names = repId !== undefined ? repId === String(me.id) : e.body["rep_name"] === me.name;
    if (!names) continue;
    const at = parseTime(e.at);
    if (at !== null && (found === null || at > found)) found = at;
  }
  return found;
}

/** The newest time of my own messages to everyone, or null. */
export function lastMessageAtFromEvents(events: readonly SessionEvent[], me: MeLike): number | null {
  let found: number | null = null;
  for (const e of events) {
    if (!isMyMessageToEveryone(e, me)) continue;
    const at = parseTime(e.at);
    if (at !== null && (found === null || at > found)) found = at;
  }
  return found;
}

/**
 * The moment the idle clock counts from: my last message to everyone, else when I
 * joined (the attendee's `joined_at` if the server sends it, else the log's note),
 * else `fallback` (when the console opened the tab).
 */
export function idleSince(
  events: readonly SessionEvent[],
  attendees: readonly Attendee[],
  me: MeLike,
  localLastSent: number | null,
  fallback: number,
): number {
  const sent = Math.max(lastMessageAtFromEvents(events, me) ?? -Infinity, localLastSent ?? -Infinity);
  if (sent !== -Infinity) return sent;
  const mine = attendees.find((a) => a.id === me.id);
  const joined = parseTime(mine?.joined_at) ?? joinedAtFromEvents(events, me);
  return joined ?? fallback;
}

export function idleSeconds(now: number, since: number): number {
  return Math.max(0, Math.floor((now - since) / 1000));
}
