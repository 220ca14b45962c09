/**
 * Placeholders in scripted messages and URLs, filled in when a script is inserted into
 * the message box, so the representative sees (and can edit) the final text. Pure.
 *
 * The same rule as the server's greeting: `{group.name}` in lower case; a known one is
 * replaced, an unknown one is left exactly as typed so nothing silently vanishes.
 */

import type { Session } from "./protocol";

export const PLACEHOLDERS = ["customer.name", "representative.name", "session.id", "portal.name"] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type PlaceholderValues = Partial<Record<Placeholder, string>>;

const PATTERN = /\{([a-z]+\.[a-z_]+)\}/g;

function isPlaceholder(name: string): name is Placeholder {
  return (PLACEHOLDERS as readonly string[]).includes(name);
}

/**
 * Replace the known placeholders of `text` with `values`. `encode` is applied to each
 * value (e.g. `encodeURIComponent` for a URL); a placeholder with no value is kept.
 */
export function fillPlaceholders(
  text: string,
  values: PlaceholderValues,
  encode: (value: string) => string = (v) => v,
): string {
  return text.replace(PATTERN, (whole: string, name: string) => {
    if (!isPlaceholder(name)) return whole;
    const value = values[name];
    return value === undefined ? whole : encode(value);
  });
}

/** The values for a session as one representative inserts a script into it. */
export function placeholderValues(session: Session, representativeName: string): PlaceholderValues {
  return {
    "customer.name": session.customer.name,
    "representative.name": representativeName,
    "session.id": session.id,
    // As the server fills greetings: a session from a code has no portal.
    "portal.name": session.portal?.name ?? "",
  };
}
