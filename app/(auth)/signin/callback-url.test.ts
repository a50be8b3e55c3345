import { describe, expect, it } from "vitest";
import { DEFAULT_CALLBACK_URL, safeCallbackUrl } from "./callback-url";

describe("safeCallbackUrl", () => {
  it("keeps same-site relative paths, with query and hash", () => {
    expect(safeCallbackUrl("/account")).toBe("/account");
    expect(safeCallbackUrl("/pricing?interval=year#pro")).toBe("/pricing?interval=year#pro");
    expect(safeCallbackUrl(["/pricing", "/other"])).toBe("/pricing");
  });

  it.each([
    undefined,
    "",
    "account",
    "//evil.example.com/steal",
    "///evil.example.com",
    "/\\evil.example.com",
    "\\\\evil.example.com",
    "https://evil.example.com/",
    "http:/evil.example.com",
    "javascript:alert(1)",
    "/\t/evil.example.com",
    "/\n/evil.example.com",
    `/${"a".repeat(3000)}`,
  ])("rejects %j", (value) => {
    expect(safeCallbackUrl(value)).toBe(DEFAULT_CALLBACK_URL);
  });

  it("uses the given fallback", () => {
    expect(safeCallbackUrl("//evil.example.com", "/pricing")).toBe("/pricing");
  });
});
