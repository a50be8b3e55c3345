import { describe, expect, it } from "vitest";
import { clientIp } from "./client-ip";
import { isSameOriginRequest } from "./origin";

const APP_URL = "https://shop.example";

describe("isSameOriginRequest: cross-site POSTs are refused", () => {
  it("accepts our own origin, and requests with no browser context at all", () => {
    expect(isSameOriginRequest(new Headers({ origin: "https://shop.example" }), APP_URL)).toBe(true);
    expect(isSameOriginRequest(new Headers({ origin: "https://shop.example", "sec-fetch-site": "same-origin" }), `${APP_URL}/`)).toBe(true);
    expect(isSameOriginRequest(new Headers(), APP_URL)).toBe(true);
    expect(isSameOriginRequest(new Headers({ "sec-fetch-site": "same-origin" }), APP_URL)).toBe(true);
    expect(isSameOriginRequest(new Headers({ "sec-fetch-site": "none" }), APP_URL)).toBe(true);
  });

  it("refuses any other origin, scheme, port or subdomain, an opaque origin, and cross-site fetch metadata", () => {
    for (const origin of ["https://evil.example", "http://shop.example", "https://shop.example:8443", "https://www.shop.example", "https://shop.example.evil.example", "null", ""]) {
      expect(isSameOriginRequest(new Headers({ origin }), APP_URL), origin).toBe(false);
    }
    for (const site of ["cross-site", "same-site", "garbage"]) {
      expect(isSameOriginRequest(new Headers({ "sec-fetch-site": site }), APP_URL), site).toBe(false);
    }
    // Origin wins over a claim of same-origin fetch metadata.
    expect(isSameOriginRequest(new Headers({ origin: "https://evil.example", "sec-fetch-site": "same-origin" }), APP_URL)).toBe(false);
  });
});

describe("clientIp: the platform-set first hop, else x-real-ip, else one shared bucket", () => {
  it("reads IPv4 and IPv6 literals", () => {
    expect(clientIp(new Headers({ "x-forwarded-for": "203.0.113.7, 10.0.0.1" }))).toBe("203.0.113.7");
    expect(clientIp(new Headers({ "x-forwarded-for": " 2001:DB8::1 " }))).toBe("2001:db8::1");
    expect(clientIp(new Headers({ "x-real-ip": "198.51.100.2" }))).toBe("198.51.100.2");
  });

  it("anything that is not an IP literal is 'unknown'", () => {
    expect(clientIp(new Headers())).toBe("unknown");
    expect(clientIp(new Headers({ "x-forwarded-for": "checkout:user:victim" }))).toBe("unknown");
    expect(clientIp(new Headers({ "x-forwarded-for": "", "x-real-ip": "not-an-ip" }))).toBe("unknown");
  });
});
