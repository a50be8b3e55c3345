import { describe, expect, it } from "vitest";
import { canonicalSignInUrl } from "./sign-in-link";

describe("sign-in links are built on the configured origin, never the request's Host", () => {
  it("moves a link Auth.js built from a hostile Host (and its callback) onto our origin, keeping the token", () => {
    const built = "https://evil.example/api/auth/callback/email?callbackUrl=https%3A%2F%2Fevil.example%2Fadmin&token=abc123&email=admin%40shop.example";
    const link = new URL(canonicalSignInUrl(built, "https://shop.example"));
    expect(link.origin).toBe("https://shop.example");
    expect(link.pathname).toBe("/api/auth/callback/email");
    expect(link.searchParams.get("token")).toBe("abc123");
    expect(link.searchParams.get("email")).toBe("admin@shop.example");
    expect(link.searchParams.get("callbackUrl")).toBe("https://shop.example/admin");
  });

  it("leaves a link on our origin as it is, and tolerates a relative callback", () => {
    const ours = "https://shop.example/api/auth/callback/email?callbackUrl=%2Fbilling&token=t";
    const link = new URL(canonicalSignInUrl(ours, "https://shop.example/"));
    expect(link.origin).toBe("https://shop.example");
    expect(link.searchParams.get("callbackUrl")).toBe("https://shop.example/billing");
  });
});
