/** JSON over HTTP, with the protocol's error shape turned into an ApiError. */

import { isObject } from "./protocol-json";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

const FALLBACK_MESSAGES: Record<number, string> = {
  401: "Please log in again.",
  403: "You are not allowed to do that.",
  404: "That was not found.",
  409: "Someone else changed this first. Please try again.",
  410: "That has expired.",
  413: "That is too large.",
  422: "Please check what you entered.",
  429: "Too many attempts. Please wait a moment and try again.",
};

/** Turn an error body (or its absence) into an ApiError with a message for people. */
export function errorFromBody(status: number, body: unknown, retryAfter: string | null = null): ApiError {
  let code = "error";
  let message = FALLBACK_MESSAGES[status] ?? `The server answered ${status}. Please try again.`;
  if (isObject(body) && isObject(body["error"])) {
    const e = body["error"];
    if (typeof e["code"] === "string") code = e["code"];
    if (typeof e["message"] === "string" && e["message"] !== "") message = e["message"];
  } else if (isObject(body) && typeof body["detail"] === "string") {
    message = body["detail"];
  }
  const seconds = retryAfter !== null ? Number.parseInt(retryAfter, 10) : Number.NaN;
  return new ApiError(status, code, message, Number.isNaN(seconds) ? null : seconds);
}

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * Call the API; resolves with the parsed JSON body (`null` for 204), rejects with an
 * ApiError (status 0 when the network failed).
 */
export async function api(method: Method, path: string, body?: unknown): Promise<unknown> {
  const init: RequestInit = {
    method,
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  };
  if (body !== undefined) {
    init.headers = { Accept: "application/json", "Content-Type": "application/json" };
    init.body = JSON.stringify(body);
  }
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, "network", "Cannot reach the server. Check your connection and try again.");
  }
  let parsed: unknown = null;
  if (response.status !== 204) {
    const text = await response.text().catch(() => "");
    if (text !== "") {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = null;
      }
    }
  }
  if (!response.ok) throw errorFromBody(response.status, parsed, response.headers.get("Retry-After"));
  return parsed;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error && error.message !== "") return error.message;
  return "Something went wrong. Please try again.";
}

/** `encodeURIComponent` for a path segment. */
export function seg(value: string): string {
  return encodeURIComponent(value);
}
