import { describe, expect, it } from "vitest";
import { checkoutFrameOrigins, contentSecurityPolicy, securityHeaders } from "./headers";

const headerMap = (env: Record<string, string | undefined>) => Object.fromEntries(securityHeaders(env).map(({ key, value }) => [key, value]));
const directive = (csp: string, name: string) => csp.split("; ").find((part) => part.startsWith(`${name} `));

describe("security headers", () => {
  it("a production build with real keys: strict CSP, the real checkout hosts only, HSTS over https", () => {
    const headers = headerMap({ NODE_ENV: "production", APP_URL: "https://shop.example", STRIPE_SECRET_KEY: "sk_live_x" });
    const csp = headers["Content-Security-Policy"];
    expect(directive(csp, "frame-src")).toBe(
      "frame-src 'self' https://checkout.stripe.com https://*.creem.io https://*.dodopayments.com https://*.recur.tw https://*.faststarpay.com",
    );
    expect(directive(csp, "script-src")).toBe("script-src 'self' 'unsafe-inline'");
    expect(directive(csp, "connect-src")).toBe("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("base-uri 'self'");
    expect(headers).toMatchObject({
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "strict-origin-when-cross-origin",
      "X-Frame-Options": "DENY",
      "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    });
    expect(headers["Permissions-Policy"]).toBe(
      'payment=(self "https://checkout.stripe.com" "https://*.creem.io" "https://*.dodopayments.com" "https://*.recur.tw" "https://*.faststarpay.com"), camera=(), microphone=(), geolocation=()',
    );
  });

  it("the Vercel production domain counts as the https app URL", () => {
    expect(headerMap({ NODE_ENV: "production", VERCEL_PROJECT_PRODUCTION_URL: "shop.vercel.app" })["Strict-Transport-Security"]).toBeDefined();
  });

  it("no HSTS outside production or over http", () => {
    expect(headerMap({ NODE_ENV: "production", APP_URL: "http://localhost:3100" })["Strict-Transport-Security"]).toBeUndefined();
    expect(headerMap({ NODE_ENV: "development", APP_URL: "https://shop.example" })["Strict-Transport-Security"]).toBeUndefined();
  });

  it("without provider keys the local sandbox may be framed on any loopback port; configured base URLs are added", () => {
    expect(checkoutFrameOrigins({})).toEqual(expect.arrayContaining(["http://localhost:*", "http://127.0.0.1:*"]));
    const env = { STRIPE_SECRET_KEY: "sk_test_x", STRIPE_API_URL: "http://127.0.0.1:4310/", CREEM_API_URL: "not a url", DODO_PAYMENTS_BASE_URL: "ftp://x" };
    const origins = checkoutFrameOrigins(env);
    expect(origins).toContain("http://127.0.0.1:4310");
    expect(origins).not.toContain("http://127.0.0.1:*");
    expect(origins.filter((origin) => !origin.startsWith("https://"))).toEqual(["http://127.0.0.1:4310"]);
    expect(headerMap(env)["Permissions-Policy"]).toContain('"http://127.0.0.1:4310"');
  });

  it("development adds only what React's tooling needs (eval, the HMR socket)", () => {
    const csp = contentSecurityPolicy({ NODE_ENV: "development" });
    expect(directive(csp, "script-src")).toBe("script-src 'self' 'unsafe-inline' 'unsafe-eval'");
    expect(directive(csp, "connect-src")).toBe("connect-src 'self' ws:");
  });
});
