/** The customer app routes by `location.pathname`. */

export type Route =
  | { page: "portal"; slug: string }
  | { page: "join"; code: string }
  | { page: "chat" }
  | { page: "attach" }
  | { page: "unknown" };

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** The customer app's pages, by `location.pathname`. */
export function route(pathname: string): Route {
  const path = pathname.replace(/\/+$/, "") || "/";
  let m = /^\/p\/([^/]+)$/.exec(path);
  if (m?.[1] !== undefined) return { page: "portal", slug: decode(m[1]) };
  if (path === "/join") return { page: "join", code: "" };
  m = /^\/join\/([^/]+)$/.exec(path);
  if (m?.[1] !== undefined) return { page: "join", code: decode(m[1]) };
  if (path === "/chat") return { page: "chat" };
  if (path === "/attach") return { page: "attach" };
  return { page: "unknown" };
}
