// Response headers for every page and route (next.config.ts `headers()`). Pure: computed from
// the environment when next.config.ts is loaded — `next build` bakes them into the build, so
// the frame origins are those configured at build time.
//
// Scripts: Next.js bootstraps hydration with inline <script> tags. Nonces would need a proxy
// (middleware) that renders every page dynamically; this app keeps static pages and allows
// 'unsafe-inline' for scripts instead, with everything else locked to our own origin (no
// third-party script host is allowed, so injected markup cannot pull code from elsewhere).

type Env = Record<string, string | undefined>;

/** The providers' real hosted-checkout hosts, which the overlay frames. */
export const PROVIDER_CHECKOUT_ORIGINS = [
  "https://checkout.stripe.com",
  "https://*.creem.io",
  "https://*.dodopayments.com",
  "https://*.recur.tw",
  "https://*.faststarpay.com",
];

/** Base URL overrides (lib/payments/providers/<name>/config.ts): the local sandbox serves its hosted pages there. */
const PROVIDER_URL_VARIABLES = ["STRIPE_API_URL", "CREEM_API_URL", "DODO_PAYMENTS_BASE_URL", "RECUR_API_URL", "FASTSTAR_API_URL"];
/** With none of these set, the local sandbox stands in for the provider (scripts/local-stack.mjs). */
const PROVIDER_KEY_VARIABLES = ["STRIPE_SECRET_KEY", "CREEM_API_KEY", "DODO_PAYMENTS_API_KEY", "RECUR_SECRET_KEY", "FASTSTAR_API_KEY"];
/** Where the sandbox listens when its port is only chosen at start (dev, e2e). */
const LOOPBACK_ORIGINS = ["http://localhost:*", "http://127.0.0.1:*"];

function originOf(url: string | undefined): string | undefined {
  if (!url?.trim()) return undefined;
  try {
    const parsed = new URL(url.trim());
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.origin : undefined;
  } catch {
    return undefined;
  }
}

function configuredOrigins(env: Env): string[] {
  return PROVIDER_URL_VARIABLES.map((name) => originOf(env[name])).filter((origin): origin is string => Boolean(origin));
}

/** Origins the checkout overlay may load: the real providers, any configured base URL, and loopback while no provider key is set. */
export function checkoutFrameOrigins(env: Env): string[] {
  const sandboxOnly = PROVIDER_KEY_VARIABLES.every((name) => !env[name]?.trim());
  return [...new Set([...PROVIDER_CHECKOUT_ORIGINS, ...configuredOrigins(env), ...(sandboxOnly ? LOOPBACK_ORIGINS : [])])];
}

export function contentSecurityPolicy(env: Env): string {
  const development = env.NODE_ENV === "development";
  const directives: Record<string, string[]> = {
    "default-src": ["'self'"],
    // 'unsafe-eval' only for React's development tooling; production builds never eval.
    "script-src": ["'self'", "'unsafe-inline'", ...(development ? ["'unsafe-eval'"] : [])],
    "style-src": ["'self'", "'unsafe-inline'"],
    // OAuth avatars come from the identity provider's https host.
    "img-src": ["'self'", "data:", "blob:", "https:"],
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'", ...(development ? ["ws:"] : [])],
    "frame-src": ["'self'", ...checkoutFrameOrigins(env)],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
  };
  return Object.entries(directives)
    .map(([name, values]) => `${name} ${values.join(" ")}`)
    .join("; ");
}

function appUrl(env: Env): string | undefined {
  return env.APP_URL ?? (env.VERCEL_PROJECT_PRODUCTION_URL ? `https://${env.VERCEL_PROJECT_PRODUCTION_URL}` : undefined);
}

export function securityHeaders(env: Env): { key: string; value: string }[] {
  // Permissions-Policy allowlists take exact origins (no port wildcards): the real providers
  // and any configured base URL may use the Payment Request API inside the overlay.
  const paymentOrigins = [...PROVIDER_CHECKOUT_ORIGINS, ...configuredOrigins(env)].map((origin) => `"${origin}"`);
  const headers = [
    { key: "Content-Security-Policy", value: contentSecurityPolicy(env) },
    { key: "X-Content-Type-Options", value: "nosniff" },
    { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
    { key: "X-Frame-Options", value: "DENY" },
    { key: "Permissions-Policy", value: `payment=(self ${paymentOrigins.join(" ")}), camera=(), microphone=(), geolocation=()` },
  ];
  // Only a production deployment served over https may pin browsers to https.
  if (env.NODE_ENV === "production" && appUrl(env)?.startsWith("https://")) {
    headers.push({ key: "Strict-Transport-Security", value: "max-age=63072000; includeSubDomains" });
  }
  return headers;
}
