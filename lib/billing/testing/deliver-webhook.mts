// Test-only: one webhook delivery in a process of its own — what one serverless invocation of
// POST /api/webhooks/[provider] does — so a test can kill it at a chosen point
// (lib/billing/faults-crash.test.ts). The delivery comes as JSON in WEBHOOK_DELIVERY:
// { provider, payload, headers }. Prints the result; exits 1 on an error.
const { handleWebhook } = await import("@/lib/billing/webhooks");

const delivery = JSON.parse(process.env.WEBHOOK_DELIVERY ?? "null") as { provider: string; payload: string; headers: Record<string, string> } | null;
if (!delivery) throw new Error("WEBHOOK_DELIVERY is not set");
try {
  console.log(JSON.stringify(await handleWebhook(delivery.provider, delivery.payload, new Headers(delivery.headers))));
  process.exit(0);
} catch (error) {
  console.error(error);
  process.exit(1);
}
