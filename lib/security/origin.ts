// Cross-site request forgery guard for route handlers that act on the session cookie. Server
// actions get the same check from Next.js; route handlers do not. A browser always sends
// `Origin` on a cross-origin POST (and `Sec-Fetch-Site`), so a request is refused when either
// names somewhere else. Requests with neither header come from non-browser clients, which
// cannot carry a victim's cookies, and are let through (the session check still applies).

/** Whether the request comes from a page of `appUrl`'s origin (or from no browser page at all). */
export function isSameOriginRequest(headers: Headers, appUrl: string): boolean {
  const origin = headers.get("origin");
  if (origin !== null) return origin === new URL(appUrl).origin;
  const site = headers.get("sec-fetch-site");
  return site === null || site === "same-origin" || site === "none";
}
