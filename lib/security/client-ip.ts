// The client's address for per-IP limits. On Vercel (and behind any proxy that overwrites
// them) `x-forwarded-for`'s first hop and `x-real-ip` are set by the platform, not the
// client. Behind a proxy that only appends, the first hop is client-chosen: put such a proxy
// in front only if it strips incoming values. Anything that is not an IP literal counts as
// "unknown", one shared bucket, so a garbage header cannot mint buckets with arbitrary keys.
import { isIP } from "node:net";

export function clientIp(headers: Headers): string {
  const candidates = [headers.get("x-forwarded-for")?.split(",")[0], headers.get("x-real-ip")];
  for (const candidate of candidates) {
    const value = candidate?.trim();
    if (value && isIP(value) !== 0) return value.toLowerCase();
  }
  return "unknown";
}
