import { describe, expect, it } from "vitest";
import { isAuthorizedCron } from "./cron";

const secret = "cron-secret-0123456789";

describe("the reconciliation cron guard", () => {
  it("fails closed without a configured secret, whatever the request says", () => {
    expect(isAuthorizedCron(`Bearer ${secret}`, undefined)).toBe("not-configured");
    expect(isAuthorizedCron(null, "")).toBe("not-configured");
  });

  it("accepts exactly `Bearer <CRON_SECRET>` and nothing else", () => {
    expect(isAuthorizedCron(`Bearer ${secret}`, secret)).toBe(true);
    for (const header of [null, "", secret, `Bearer ${secret}x`, `bearer ${secret}`, `Bearer ${secret.slice(0, -1)}`]) {
      expect(isAuthorizedCron(header, secret)).toBe(false);
    }
  });
});
