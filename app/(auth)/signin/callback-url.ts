// Where to send the user after sign-in. Only same-site relative paths are honoured: anything
// absolute, protocol-relative (`//evil.com`), backslashed or otherwise odd falls back to the
// default, so the sign-in page can never be used as an open redirect.
// Pure (no server APIs) so the page, the server action and tests share it.

export const DEFAULT_CALLBACK_URL = "/account";

const PLACEHOLDER_ORIGIN = "http://same-site.invalid";

export function safeCallbackUrl(value: unknown, fallback: string = DEFAULT_CALLBACK_URL): string {
  const candidate = Array.isArray(value) ? value[0] : value;
  if (typeof candidate !== "string" || candidate.length === 0 || candidate.length > 2048) return fallback;
  if (!candidate.startsWith("/") || candidate.startsWith("//")) return fallback;
  // Browsers treat `\` like `/` (`/\evil.com`), and control characters are stripped before parsing.
  if (/[\\\u0000-\u001f\u007f]/.test(candidate)) return fallback;
  let url: URL;
  try {
    url = new URL(candidate, PLACEHOLDER_ORIGIN);
  } catch {
    return fallback;
  }
  if (url.origin !== PLACEHOLDER_ORIGIN) return fallback;
  return `${url.pathname}${url.search}${url.hash}`;
}
