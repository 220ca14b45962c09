/**
 * What went wrong, kept as the server (or the page) said it, and said in the reader's
 * language when it is shown. The server writes English: every error carries a `code`
 * beside its message. In English a page shows the message, which says the most; in
 * another language it says the code's sentence from the catalogue, and the server's
 * English only for a code it has no sentence for. Pure.
 */

import { ApiError, errorMessage } from "../api";
import type { Params, Text, TextKey } from "./text";

/** An error as a page keeps it: its `code` (the protocol's, or the page's own) and English. */
export interface Problem {
  readonly code: string;
  readonly message: string;
}

/** The page's own codes beside the protocol's: a send the server failed on, a file check. */
export const SERVER_FAILED = "server_failed";

/**
 * The sentence for each code a reader may meet. `invalid_input` has none on purpose:
 * its message names the field and the rule, which a general sentence would lose.
 */
const SENTENCES: Readonly<Record<string, TextKey>> = {
  network: "error.network",
  rate_limited: "error.tooMany",
  unavailable: "error.unavailable",
  session_ended: "error.sessionEnded",
  not_found: "error.notFound",
  forbidden: "error.forbidden",
  not_authenticated: "error.notAuthenticated",
  conflict: "error.conflict",
  too_large: "error.tooLarge",
  expired: "error.expired",
  limit_reached: "error.limitReached",
  invalid_frame: "error.generic",
  error: "error.generic",
  [SERVER_FAILED]: "error.serverFailed",
  aborted: "error.aborted",
  damaged: "error.damaged",
  insecure: "error.insecure",
};

/** Any thrown value as a problem: an ApiError keeps its code, anything else is `error`. */
export function problemOf(error: unknown): Problem {
  return { code: error instanceof ApiError ? error.code : "error", message: errorMessage(error) };
}

/**
 * A problem in the reader's language: `known` names a page's own sentence for a code
 * (filled with `params`), ahead of the general ones.
 */
export function sayProblem(
  problem: Problem,
  text: Text,
  known: Readonly<Record<string, TextKey>> = {},
  params: Params = {},
): string {
  if (text.lang === "en") return problem.message;
  const key = known[problem.code] ?? SENTENCES[problem.code];
  return key !== undefined ? text.t(key, params) : problem.message;
}

/** `sayProblem` for a thrown value. */
export function sayError(
  error: unknown,
  text: Text,
  known: Readonly<Record<string, TextKey>> = {},
  params: Params = {},
): string {
  return sayProblem(problemOf(error), text, known, params);
}
