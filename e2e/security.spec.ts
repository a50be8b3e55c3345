import { expect, payWithCard, test } from "./sandbox";
import { signInWithEmail, uniqueEmail } from "./support";

// Security headers on real responses of the production build, the overlay still working
// under the Content-Security-Policy, and POST /api/checkout refusing cross-site requests and
// bursts over HTTP.

test("pages carry the security headers; the CSP frames the providers and the local sandbox only", async ({ page }) => {
  const response = await page.goto("/pricing");
  const headers = response!.headers();
  const csp = headers["content-security-policy"];
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toMatch(/frame-src 'self' https:\/\/checkout\.stripe\.com https:\/\/\*\.creem\.io https:\/\/\*\.dodopayments\.com .*http:\/\/127\.0\.0\.1:\*/);
  expect(csp).not.toContain("unsafe-eval");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
  expect(headers["x-frame-options"]).toBe("DENY");
  expect(headers["permissions-policy"]).toMatch(/^payment=\(self "https:\/\/checkout\.stripe\.com"/);
  // Served over http: no HSTS.
  expect(headers["strict-transport-security"]).toBeUndefined();
  const api = await page.request.get("/api/health");
  expect(api.headers()["x-content-type-options"]).toBe("nosniff");
});

test("the overlay opens the sandbox's hosted page and completes with no CSP violation", async ({ page, provider }) => {
  test.skip(!provider.overlay, `${provider.name} has no embeddable checkout; the app redirects`);
  const violations: string[] = [];
  page.on("console", (message) => {
    if (/Refused to|Content Security Policy|Content-Security-Policy/i.test(message.text())) violations.push(message.text());
  });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      console.error(`Refused to load (securitypolicyviolation): ${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  await signInWithEmail(page, uniqueEmail("csp"), "/pricing");
  await page.getByTestId("price-lifetime_once").getByRole("button", { name: "Buy now in overlay" }).click();
  const frame = page.frameLocator('iframe[title="Hosted checkout"]');
  await expect(frame.getByLabel("Card number")).toBeVisible();
  await payWithCard(frame, "4242 4242 4242 4242");
  await expect(page).toHaveURL(/\/checkout\/success\?cid=/);
  await expect(page.getByTestId("checkout-status")).toHaveText("paid");
  expect(violations).toEqual([]);
});

test("POST /api/checkout refuses cross-site requests (403) and bursts (429 with Retry-After)", async ({ page, provider, baseURL }) => {
  test.skip(provider.name !== "stripe", "origin and rate checks are provider-neutral: checked once");
  await signInWithEmail(page, uniqueEmail("csrf"), "/pricing");
  const body = { priceId: "credits_100_pack" };
  const crossSite: Record<string, string>[] = [{ origin: "https://evil.example" }, { origin: "null" }, { "sec-fetch-site": "cross-site" }, { "sec-fetch-site": "same-site" }];
  for (const headers of crossSite) {
    const response = await page.request.post("/api/checkout", { data: body, headers });
    expect(response.status(), JSON.stringify(headers)).toBe(403);
    expect(await response.json()).toEqual({ error: expect.stringMatching(/this site's own pages/), code: "cross_origin_request" });
  }

  // The default limit is 20 checkouts a minute per user; an address of our own keeps the
  // other journeys' per-IP budget untouched.
  const headers = { origin: new URL(baseURL!).origin, "x-forwarded-for": `198.51.100.${Math.floor(Math.random() * 250) + 1}` };
  for (let index = 0; index < 20; index += 1) {
    const response = await page.request.post("/api/checkout", { data: body, headers });
    expect(response.status(), `checkout ${index + 1}`).toBe(200);
  }
  const limited = await page.request.post("/api/checkout", { data: body, headers });
  expect(limited.status()).toBe(429);
  expect(Number(limited.headers()["retry-after"])).toBeGreaterThanOrEqual(1);
  expect(await limited.json()).toEqual({ error: expect.stringMatching(/Too many checkouts started for your account/), code: "rate_limited" });
});
