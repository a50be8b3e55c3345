import "server-only";
import Stripe from "stripe";
import { WebhookVerificationError } from "@/lib/payments/errors";
import type { PaymentEvent, PaymentEventKind } from "@/lib/payments/types";
import { callStripe, stripeClient } from "./client";
import { stripeWebhookSecret } from "./config";
import {
  checkoutStateFromSession,
  fromUnix,
  idOf,
  disputeSnapshot,
  invoiceDetails,
  invoicePaymentId,
  invoicePaymentIntent,
  invoiceSnapshot,
  isObject,
  ourCheckoutIdOf,
  paymentFromCharge,
  paymentFromDispute,
  paymentFromRefund,
  str,
  subscriptionSnapshot,
  type Json,
} from "./normalize";

/** Stripe's own default: a signature older (or newer) than 5 minutes is refused. */
export const STRIPE_SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * Verifies `Stripe-Signature` over the exact raw body, then normalizes the event. Fails closed:
 * without STRIPE_WEBHOOK_SECRET this throws ProviderConfigurationError and accepts nothing.
 */
export function verifyStripeWebhook(rawBody: string, headers: Headers): PaymentEvent {
  const secret = stripeWebhookSecret();
  const signature = headers.get("stripe-signature");
  if (!signature) throw new WebhookVerificationError("Missing Stripe-Signature header.");
  let event: unknown;
  try {
    event = Stripe.webhooks.constructEvent(rawBody, signature, secret, STRIPE_SIGNATURE_TOLERANCE_SECONDS);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new WebhookVerificationError(`Invalid Stripe webhook signature: ${reason}`, { cause: error });
  }
  return normalizeStripeEvent(event);
}

/**
 * verifyWebhook as the provider exposes it: verifies and normalizes, then completes a paid
 * invoice with the PaymentIntent that paid it. On the pinned API version (2025-03-31 and
 * later) the Invoice no longer has `payment_intent` and its `payments` list is includable
 * only (never in an event payload), so it is read server-to-server:
 * GET /v1/invoice_payments?invoice=…&status=paid. Refunds and disputes name that
 * PaymentIntent, so the invoice's Order must carry it. A failed read throws (the webhook
 * answers 502 and Stripe retries).
 */
export async function verifyStripeWebhookResolved(rawBody: string, headers: Headers): Promise<PaymentEvent> {
  return resolveInvoicePayment(verifyStripeWebhook(rawBody, headers));
}

/** invoice.paid without a payment in its payload: the paid InvoicePayment's PaymentIntent, from the API. */
export async function resolveInvoicePayment(event: PaymentEvent, stripe?: Stripe): Promise<PaymentEvent> {
  const invoice = event.invoice;
  if (event.kind !== "invoice.paid" || event.payment || !invoice || !event.subscriptionId || !invoice.amountPaid) return event;
  const client = stripe ?? stripeClient();
  const list = await callStripe("read an invoice's payments", () => client.invoicePayments.list({ invoice: invoice.id, status: "paid", limit: 10 }));
  const entries = (list.data as unknown as Json[]).filter(isObject);
  const ordered = [...entries.filter((entry) => entry.is_default === true), ...entries.filter((entry) => entry.is_default !== true)];
  const id = ordered.map(invoicePaymentId).find((value): value is string => value !== null) ?? null;
  return id ? { ...event, payment: { id, amount: invoice.amountPaid, currency: invoice.currency } } : event;
}

/** A verified Stripe event envelope → PaymentEvent. Exported for tests. */
export function normalizeStripeEvent(event: unknown): PaymentEvent {
  if (!isObject(event) || !str(event.id) || !str(event.type) || typeof event.created !== "number" || !isObject(event.data) || !isObject(event.data.object)) {
    throw new WebhookVerificationError("Malformed Stripe event: expected {id, type, created, data.object}.");
  }
  const object = event.data.object as Json;
  const base = {
    provider: "stripe" as const,
    eventId: event.id as string,
    type: event.type as string,
    occurredAt: fromUnix(event.created) as Date,
    source: "webhook" as const,
    livemode: typeof event.livemode === "boolean" ? event.livemode : null,
    raw: event,
  };
  const ignored = (): PaymentEvent => ({ ...base, kind: "ignored" });

  switch (base.type) {
    case "checkout.session.completed":
    case "checkout.session.async_payment_succeeded":
    case "checkout.session.async_payment_failed":
    case "checkout.session.expired": {
      const forced =
        base.type === "checkout.session.async_payment_failed"
          ? "failed"
          : base.type === "checkout.session.expired"
            ? "expired"
            : base.type === "checkout.session.async_payment_succeeded"
              ? "paid"
              : undefined;
      const state = checkoutStateFromSession(object, forced);
      const kind: PaymentEventKind =
        state.status === "paid"
          ? "checkout.completed"
          : state.status === "processing"
            ? "checkout.processing"
            : state.status === "failed"
              ? "checkout.failed"
              : state.status === "expired"
                ? "checkout.expired"
                : "ignored";
      return {
        ...base,
        kind,
        ourCheckoutId: state.ourCheckoutId,
        providerSessionId: state.providerSessionId || null,
        customerId: state.customerId,
        amounts: state.amounts,
        subscriptionId: state.subscriptionId,
        subscription: state.subscription,
        payment: state.paymentId ? { id: state.paymentId, amount: state.amounts.total, currency: state.amounts.currency } : null,
      };
    }
    case "customer.subscription.created":
    case "customer.subscription.updated":
    case "customer.subscription.deleted":
    case "customer.subscription.paused":
    case "customer.subscription.resumed": {
      const subscription = subscriptionSnapshot(object);
      if (!subscription) return ignored();
      const deleted = base.type === "customer.subscription.deleted";
      return {
        ...base,
        kind: deleted ? "subscription.deleted" : "subscription.updated",
        ourCheckoutId: subscription.ourCheckoutId ?? null,
        subscriptionId: subscription.id,
        subscription: deleted && subscription.status !== "canceled" ? { ...subscription, status: "canceled" } : subscription,
        customerId: idOf(object.customer),
      };
    }
    case "invoice.paid": {
      // Carried even without a subscription (a one-off invoice): billing decides, nothing is dropped here.
      const details = invoiceDetails(object);
      const invoice = invoiceSnapshot(object);
      const paymentId = invoicePaymentIntent(object);
      return {
        ...base,
        kind: "invoice.paid",
        subscriptionId: details.subscriptionId,
        ourCheckoutId: details.ourCheckoutId,
        customerId: idOf(object.customer),
        periodEnd: details.periodEnd,
        invoice,
        payment: paymentId ? { id: paymentId, amount: invoice?.amountPaid ?? null, currency: invoice?.currency ?? null } : null,
      };
    }
    case "charge.refunded":
      return { ...base, kind: "payment.refunded", payment: paymentFromCharge(object), ourCheckoutId: ourCheckoutIdOf(object) };
    case "refund.created":
    case "refund.updated":
    case "refund.failed":
    case "charge.refund.updated":
      // The Refund object (charge.refund.updated too). Its metadata is the refund's, not ours.
      return { ...base, kind: "payment.refunded", payment: paymentFromRefund(object) };
    case "charge.dispute.created":
    case "charge.dispute.closed": {
      const closed = base.type === "charge.dispute.closed";
      const dispute = disputeSnapshot(object);
      return {
        ...base,
        kind: closed ? "dispute.closed" : "dispute.created",
        payment: paymentFromDispute(object),
        dispute: dispute && !closed ? { ...dispute, status: "open" } : dispute,
      };
    }
    // charge.dispute.updated / funds_withdrawn / funds_reinstated repeat what created/closed
    // say; invoice.payment_failed is followed by customer.subscription.updated (past_due);
    // invoice_payment.paid repeats invoice.paid.
    default:
      return ignored();
  }
}
