import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { createCheckout } from "./create-checkout";
import { hasEntitlement } from "./entitlements";
import { APP_URL, createUser, ensureCatalog, startStripe, type StripeSandbox } from "./testing/fixtures";

let sandbox: StripeSandbox;
beforeAll(async () => {
  await ensureCatalog();
  sandbox = await startStripe();
});
afterAll(async () => {
  await sandbox?.stop();
});

function runReconcileScript(olderThanMinutes: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--conditions=react-server", "--import", "tsx", "scripts/reconcile.mts", String(olderThanMinutes)],
      { env: process.env },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("npm run reconcile (the cron job's work from a shell)", () => {
  it("completes a checkout that was paid while no webhook reached us", async () => {
    const user = await createUser();
    const created = await createCheckout({ userId: user.id, email: user.email, priceId: "lifetime_once", appUrl: APP_URL });
    const row = await db.checkout.findUniqueOrThrow({ where: { id: created.id } });
    await sandbox.pay(row.providerSessionId!);
    // Stale: older than the script's threshold, unlike the fresh rows other test files use.
    await db.checkout.update({ where: { id: row.id }, data: { createdAt: new Date(Date.now() - 60 * 60_000) } });
    expect(await hasEntitlement(user.id, "templates")).toBe(false);

    const result = await runReconcileScript(30);
    const counts = JSON.parse(result.stdout.trim().split("\n").at(-1) ?? "{}");
    expect(counts.completed, result.stderr).toBeGreaterThanOrEqual(1);
    expect((await db.checkout.findUniqueOrThrow({ where: { id: row.id } })).status).toBe("complete");
    expect(await hasEntitlement(user.id, "templates")).toBe(true);
  });
});
