/** The customer's session id, remembered so /chat can tell "not joined" from "offline". */

const KEY = "helpline.customer.session";

export function rememberSession(id: string): void {
  try {
    localStorage.setItem(KEY, id);
  } catch {
    /* private mode: the socket's welcome still names the session */
  }
}

export function rememberedSession(): string | null {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

/** Whatever the browser can tell better than the User-Agent header (little). */
export function clientInfo(): Record<string, string> {
  return {};
}
