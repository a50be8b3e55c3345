// Validly signed "checkout paid" deliveries for the five providers, built with each
// provider's own test helpers (lib/payments/providers/<name>/testing/), so the app verifies
// and applies them exactly as it would the real thing.
import { randomUUID } from "node:crypto";
import { creemEventPayload, creemSignedHeaders } from "../lib/payments/providers/creem/testing/events.ts";
import { dodoEventPayload, signedHeaders as dodoSignedHeaders } from "../lib/payments/providers/dodo/testing/events.ts";
import { faststarEventPayload, signedHeaders as faststarSignedHeaders } from "../lib/payments/providers/faststar/testing/events.ts";
import { recurEventPayload, recurHeaders } from "../lib/payments/providers/recur/testing/sandbox.ts";
import { stripeEventPayload, signedHeaders as stripeSignedHeaders } from "../lib/payments/providers/stripe/testing/events.ts";
import type { BenchCheckout } from "./database.mts";

export const BENCH_PROVIDERS = ["stripe", "creem", "dodo", "recur", "faststar"] as const;
export type BenchProvider = (typeof BENCH_PROVIDERS)[number];

/** The webhook secret each provider's route verifies with during the bench (env name → value). */
export function webhookSecretEnv(stripeSecret: string): Record<string, string> {
  return {
    STRIPE_WEBHOOK_SECRET: stripeSecret,
    CREEM_WEBHOOK_SECRET: "whsec_bench_creem_secret",
    DODO_PAYMENTS_WEBHOOK_KEY: `whsec_${Buffer.from("dodo-bench-webhook-secret-000001").toString("base64")}`,
    RECUR_WEBHOOK_SECRET: "whsec_bench_recur_secret",
    FASTSTAR_WEBHOOK_SECRET: "faststar_whsec_bench_secret",
  };
}

/** A "paid" event for a checkout; `sign()` makes the delivery headers at send time, as a provider signs each attempt. */
export type Delivery = { provider: BenchProvider; eventId: string; body: string; sign: () => Record<string, string> };

/**
 * The "paid" event for `checkout`. Signatures are made when sent, not here: Stripe, Dodo and
 * FastStar refuse a signature older than 5 minutes, and a slow run can take longer than that.
 */
export function paidDelivery(checkout: BenchCheckout, secrets: Record<string, string>): Delivery {
  const ourId = checkout.id;
  const paymentId = `bench_pay_${randomUUID().replace(/-/g, "")}`;
  const eventId = `bench_evt_${randomUUID().replace(/-/g, "")}`;
  const amount = checkout.amountTotal;
  let body: string;
  let sign: () => Headers;
  switch (checkout.provider) {
    case "stripe":
      body = stripeEventPayload(
        "checkout.session.completed",
        {
          id: checkout.sessionId,
          object: "checkout.session",
          client_reference_id: ourId,
          metadata: { checkout_id: ourId },
          mode: "payment",
          status: "complete",
          payment_status: "paid",
          payment_intent: paymentId,
          customer: null,
          amount_subtotal: amount,
          amount_total: amount,
          total_details: { amount_tax: 0 },
          currency: "usd",
        },
        { id: eventId },
      );
      sign = () => stripeSignedHeaders(body, secrets.STRIPE_WEBHOOK_SECRET);
      break;
    case "creem":
      body = creemEventPayload(
        "checkout.completed",
        {
          id: checkout.sessionId,
          object: "checkout",
          request_id: ourId,
          order: { id: paymentId, product: "prod_bench_credits", amount, sub_total: amount, tax_amount: 0, amount_due: amount, amount_paid: amount, currency: "USD", status: "paid", type: "onetime", mode: "test" },
          product: { id: "prod_bench_credits", name: "100 credits", price: 1000, currency: "USD", billing_type: "onetime", billing_period: "once", mode: "test" },
          custom_fields: [],
          status: "completed",
          metadata: { checkout_id: ourId },
          mode: "test",
        },
        { id: eventId },
      );
      sign = () => creemSignedHeaders(body, secrets.CREEM_WEBHOOK_SECRET);
      break;
    case "dodo":
      body = dodoEventPayload("payment.succeeded", "Payment", {
        payment_id: paymentId,
        status: "succeeded",
        total_amount: amount,
        tax: 0,
        currency: "USD",
        metadata: { checkout_id: ourId },
        checkout_session_id: checkout.sessionId,
        subscription_id: null,
        product_cart: [{ product_id: "pdt_bench_credits", quantity: checkout.quantity }],
      });
      sign = () => dodoSignedHeaders(body, secrets.DODO_PAYMENTS_WEBHOOK_KEY, { id: eventId });
      break;
    case "recur":
      body = recurEventPayload(
        "checkout.completed",
        {
          id: checkout.sessionId,
          object: "checkout.session",
          status: "COMPLETE",
          mode: "PAYMENT",
          productId: "prod_bench_credits",
          amount: amount / 100, // Recur's amounts are in major units
          currency: "USD",
          customerId: null,
          orderId: paymentId,
          subscriptionId: null,
          metadata: { checkout_id: ourId },
        },
        { id: eventId },
      );
      sign = () => recurHeaders(body, secrets.RECUR_WEBHOOK_SECRET);
      break;
    case "faststar":
      body = faststarEventPayload(
        "payment.succeeded",
        {
          payment_id: paymentId,
          status: "succeeded",
          amount,
          amount_subtotal: amount,
          amount_tax: 0,
          currency: "USD",
          checkout_session_id: checkout.sessionId,
          client_reference_id: ourId,
          subscription_id: null,
        },
        { id: eventId },
      );
      sign = () => faststarSignedHeaders(body, secrets.FASTSTAR_WEBHOOK_SECRET);
      break;
  }
  return { provider: checkout.provider, eventId, body, sign: () => Object.fromEntries(sign().entries()) };
}
