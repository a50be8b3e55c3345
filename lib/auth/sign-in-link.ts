// A magic link always points at our configured origin: Auth.js builds it from the request's
// Host (trustHost), which a proxy passing the client's Host/X-Forwarded-Host lets an attacker
// choose — and then a victim's (or an admin's) link would carry its token to the attacker.

/** `url` (the link Auth.js built) moved onto `origin`, with an absolute callbackUrl moved too. */
export function canonicalSignInUrl(url: string, origin: string): string {
  const base = new URL(origin);
  const link = new URL(url);
  const canonical = new URL(`${link.pathname}${link.search}${link.hash}`, base.origin);
  const callback = canonical.searchParams.get("callbackUrl");
  if (callback) {
    try {
      const target = new URL(callback, base.origin);
      canonical.searchParams.set("callbackUrl", new URL(`${target.pathname}${target.search}${target.hash}`, base.origin).toString());
    } catch {
      canonical.searchParams.set("callbackUrl", base.origin);
    }
  }
  return canonical.toString();
}
