import "server-only";
import Stripe from "stripe";
import { WebhookVerificationError } from "@/lib/payments/errors";
import type { PaymentEvent, PaymentEventKind } from "@/lib/payments/types";
import { stripeWebhookSecret } from "./config";
import {
  checkoutStateFromSession,
  fromUnix,
  idOf,
  disputeSnapshot,
  invoiceDetails,
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
      const details = invoiceDetails(object);
      if (!details.subscriptionId) return ignored(); // a one-off invoice: nothing to extend
      const invoice = invoiceSnapshot(object);
      const paymentId = invoicePaymentIntent(object);
      return {
        ...base,
        kind: "invoice.paid",
        subscriptionId: details.subscriptionId,
        ourCheckoutId: details.ourCheckoutId,
        periodEnd: details.periodEnd,
        invoice,
        payment: paymentId ? { id: paymentId, amount: invoice?.amountPaid ?? null, currency: invoice?.currency ?? null } : null,
      };
    }
    case "charge.refunded": {
      const payment = paymentFromCharge(object);
      if (!payment) return ignored();
      return { ...base, kind: "payment.refunded", payment, ourCheckoutId: ourCheckoutIdOf(object) };
    }
    case "refund.created":
    case "refund.updated":
    case "charge.refund.updated": {
      const payment = paymentFromRefund(object);
      if (!payment) return ignored();
      return { ...base, kind: "payment.refunded", payment, ourCheckoutId: ourCheckoutIdOf(object) };
    }
    case "charge.dispute.created":
    case "charge.dispute.closed": {
      const payment = paymentFromDispute(object);
      const dispute = disputeSnapshot(object);
      if (!payment || !dispute) return ignored();
      const closed = base.type === "charge.dispute.closed";
      return {
        ...base,
        kind: closed ? "dispute.closed" : "dispute.created",
        payment,
        dispute: closed ? dispute : { ...dispute, status: "open" },
        ourCheckoutId: ourCheckoutIdOf(object),
      };
    }
    default:
      return ignored();
  }
}
