import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { APP_URL, createUser, deliver, payAndSign, signedEvent } from "@/lib/billing/testing/fixtures";
import { db } from "@/lib/db";
import { openCheckout, withStripeSandbox } from "./testing/stripe";
import { EVENTS_PAGE_SIZE, eventFiltersSchema, listWebhookEvents } from "./events";

const sandboxOf = withStripeSandbox();

/** Rows of a type only this test uses (other test files share the database). */
async function seedEvents(count: number, type: string) {
  const start = Date.UTC(2030, 0, 1);
  const rows = Array.from({ length: count }, (_, index) => ({
    provider: index % 3 === 0 ? ("creem" as const) : ("stripe" as const),
    eventId: `evt_${randomUUID()}`,
    type,
    payload: { note: "not a provider event" },
    status: index % 4 === 0 ? ("failed" as const) : ("applied" as const),
    receivedAt: new Date(start + index * 1000),
  }));
  await db.webhookEvent.createMany({ data: rows });
  return rows;
}

describe("the operator's event list", () => {
  it("is newest first, 50 a page, and the cursor walks every row exactly once", async () => {
    const type = `admin.test.${randomUUID()}`;
    const seeded = await seedEvents(EVENTS_PAGE_SIZE + 12, type);
    const first = await listWebhookEvents({ type });
    expect(first.rows).toHaveLength(EVENTS_PAGE_SIZE);
    expect(first.nextCursor).toBe(first.rows.at(-1)!.id);
    const second = await listWebhookEvents({ type, cursor: first.nextCursor! });
    expect(second.rows).toHaveLength(12);
    expect(second.nextCursor).toBeNull();
    const walked = [...first.rows, ...second.rows].map((row) => row.eventId);
    expect(walked).toEqual([...seeded].reverse().map((row) => row.eventId));
  });

  it("filters by provider, status and type (contains, any case) together", async () => {
    const type = `admin.test.${randomUUID()}`;
    const seeded = await seedEvents(12, type);
    const page = await listWebhookEvents({ type: type.toUpperCase().slice(0, -4), provider: "creem", status: "failed" });
    const expected = seeded.filter((row) => row.provider === "creem" && row.status === "failed").map((row) => row.eventId);
    expect(expected.length).toBeGreaterThan(0);
    expect(page.rows.map((row) => row.eventId).sort()).toEqual(expected.sort());
    expect(page.rows.every((row) => row.checkoutId === null)).toBe(true); // a payload that is not an event links nothing
  });

  it("finds events by our checkout id — also those naming only the provider session — and by event id, showing the linked checkout", async () => {
    const user = await createUser();
    const created = await openCheckout(user.id, "credits_100_pack");
    const paid = await payAndSign(sandboxOf(), created.sessionId);
    await deliver(paid);
    // The same session reported without our id anywhere (not even in the return URLs): matched by the session id.
    const withoutOurId = { ...paid.session, client_reference_id: null, metadata: {}, success_url: `${APP_URL}/done`, cancel_url: null };
    expect(JSON.stringify(withoutOurId)).not.toContain(created.id);
    const sessionOnly = signedEvent("checkout.session.completed", withoutOurId);
    await deliver(sessionOnly);

    const byCheckout = await listWebhookEvents({ search: created.id });
    expect(byCheckout.rows.map((row) => row.eventId).sort()).toEqual([paid.eventId, sessionOnly.eventId].sort());
    expect(byCheckout.rows.every((row) => row.checkoutId === created.id)).toBe(true);

    const byEventId = await listWebhookEvents({ search: paid.eventId });
    expect(byEventId.rows).toEqual([expect.objectContaining({ eventId: paid.eventId, status: "applied", attempts: 1, checkoutId: created.id })]);
    expect((await listWebhookEvents({ search: `nothing-${randomUUID()}` })).rows).toEqual([]);
  });

  it("drops query-string values it does not know instead of trusting them", () => {
    expect(eventFiltersSchema.parse({ provider: "paypal", status: "done", type: "  ", search: " cs_1 ", cursor: ["a", "b"] })).toEqual({
      provider: undefined,
      status: undefined,
      type: undefined,
      search: "cs_1",
      cursor: undefined,
    });
  });
});
