import "server-only";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { db } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import { getProvider } from "@/lib/payments";
import {
  PaymentsError,
  ProviderUnavailableError,
  UnsupportedFeatureError,
} from "@/lib/payments/errors";
import type { CheckoutLineItem, CheckoutMode, PaymentProvider, Presentation, ProviderName } from "@/lib/payments/types";
import { subscriptionEligibility } from "./checkout-eligibility";
import { AlreadySubscribedError, CheckoutInProgressError, CheckoutInputError, IdempotencyConflictError } from "./errors";
import { CHECKOUT_ID_PARAM } from "./return-params";

export const SUCCESS_PATH = "/checkout/success";
export const CANCEL_PATH = "/checkout/cancel";
/** A pending row younger than this is another request still talking to the provider. */
const IN_FLIGHT_MS = 60_000;

export type CreateCheckoutInput = {
  userId: string;
  email?: string | null;
  /** Catalog price id: the only thing about the product the browser sends. */
  priceId: string;
  quantity?: number;
  presentation?: Presentation;
  /** Absolute origin of this app, e.g. https://example.com (serverEnv().APP_URL). */
  appUrl: string;
  /** Optional key from the client: the same key from the same user returns the same checkout. */
  idempotencyKey?: string | null;
  locale?: string;
  allowDiscountCodes?: boolean;
  /** ISO 3166-1 alpha-2 country of the buyer, for providers that compute tax (FastStar). */
  buyerCountry?: string;
};

export type CreatedCheckoutResult = {
  id: string;
  url: string | null;
  presentation: Presentation;
  status: string;
  provider: ProviderName;
  expiresAt: Date | null;
  /** true when an existing checkout was returned for a repeated idempotency key. */
  reused: boolean;
};

const inputSchema = z.object({
  userId: z.string().min(1),
  email: z.email().nullish(),
  priceId: z.string().trim().min(1).max(100),
  quantity: z.number().int("quantity must be a whole number").default(1),
  presentation: z.enum(["redirect", "overlay"]).default("redirect"),
  appUrl: z.url({ protocol: /^https?$/ }),
  idempotencyKey: z
    .string()
    .min(8)
    .max(200)
    .regex(/^[A-Za-z0-9_.:-]+$/, "idempotencyKey may contain letters, digits and _ . : - only")
    .nullish(),
  locale: z.string().max(20).optional(),
  buyerCountry: z.string().regex(/^[A-Z]{2}$/, "buyerCountry must be an ISO 3166-1 alpha-2 code").optional(),
  allowDiscountCodes: z.boolean().optional(),
});

/**
 * Creates our Checkout row (pending, OUR id, items and amounts from the catalog) and then
 * the provider's hosted session carrying our id. Route mapping: CheckoutInputError and
 * AlreadySubscribedError 400,
 * IdempotencyConflictError / CheckoutInProgressError 409, UnsupportedFeatureError 422,
 * ProviderUnavailableError / ProviderRequestError 502, ProviderConfigurationError 500.
 */
export async function createCheckout(
  rawInput: CreateCheckoutInput,
  deps: { provider?: PaymentProvider } = {},
): Promise<CreatedCheckoutResult> {
  const parsed = inputSchema.safeParse(rawInput);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CheckoutInputError(`${issue.path.join(".") || "input"}: ${issue.message}`, issue.path.join("."));
  }
  const input = parsed.data;
  const provider = deps.provider ?? getProvider();

  // Everything about the product comes from OUR catalog.
  const price = await db.price.findUnique({
    where: { id: input.priceId },
    include: { product: true, externalIds: { where: { provider: provider.name } } },
  });
  if (!price || !price.active || !price.product.active) {
    throw new CheckoutInputError(`Unknown price "${input.priceId}".`, "priceId");
  }
  if (input.quantity < price.minQuantity || input.quantity > price.maxQuantity) {
    throw new CheckoutInputError(
      price.minQuantity === price.maxQuantity
        ? `quantity must be ${price.minQuantity} for ${price.id}`
        : `quantity must be between ${price.minQuantity} and ${price.maxQuantity} for ${price.id}`,
      "quantity",
    );
  }
  const mode: CheckoutMode = price.type === "recurring" ? "subscription" : "payment";
  if (mode === "subscription" && !price.interval) throw new CheckoutInputError(`Price ${price.id} has no billing interval.`, "priceId");
  const externalPriceId = price.externalIds[0]?.externalId ?? null;

  // Refuse what the provider cannot do — before anything is written.
  const caps = provider.capabilities;
  // Where the provider's page cannot be framed, the overlay falls back to a redirect.
  if (input.presentation === "overlay" && !caps.overlay) input.presentation = "redirect";
  if (mode === "subscription" && !caps.subscriptions) throw new UnsupportedFeatureError(provider.name, "subscriptions");
  if (input.quantity > 1 && !caps.quantity) throw new UnsupportedFeatureError(provider.name, "quantity", `${provider.name} cannot sell more than one unit per checkout.`);
  if (!externalPriceId && !caps.inlinePrices) {
    throw new UnsupportedFeatureError(
      provider.name,
      "inlinePrices",
      `Price ${price.id} has no ${provider.name} product/price id; add one (PriceExternalId) — ${provider.name} cannot take ad hoc prices.`,
    );
  }
  if (input.locale && !caps.locale) throw new UnsupportedFeatureError(provider.name, "locale");
  if (input.allowDiscountCodes && !caps.discountCodes) throw new UnsupportedFeatureError(provider.name, "discountCodes");

  const amountSubtotal = price.unitAmount * input.quantity;
  // One live subscription per product, one trial per user and product (money-policy.md §6).
  let trialDays: number | null = null;
  if (mode === "subscription") {
    const eligibility = await subscriptionEligibility(input.userId, price.product.id);
    if (eligibility.blockingSubscriptionStatus) throw new AlreadySubscribedError(price.product.name, eligibility.blockingSubscriptionStatus);
    trialDays = price.trialDays && price.trialDays > 0 && eligibility.trialAllowed ? price.trialDays : null;
  }
  const scopedKey = input.idempotencyKey ? `user:${input.userId}:${input.idempotencyKey}` : `auto:${randomUUID()}`;

  if (input.idempotencyKey) {
    const existing = await db.checkout.findUnique({ where: { idempotencyKey: scopedKey }, include: { items: true } });
    if (existing) return reuse(existing, input, provider);
  }

  const customer = await db.customer.findUnique({
    where: { userId_provider: { userId: input.userId, provider: provider.name } },
  });

  let checkout;
  try {
    checkout = await db.checkout.create({
      data: {
        userId: input.userId,
        provider: provider.name,
        status: "pending",
        mode,
        presentation: input.presentation,
        amountSubtotal,
        amountTotal: amountSubtotal,
        currency: price.currency,
        trialDays,
        idempotencyKey: scopedKey,
        metadata: { attempts: 0 },
        items: {
          create: [{ priceId: price.id, quantity: input.quantity, unitAmount: price.unitAmount, currency: price.currency }],
        },
      },
      include: { items: true },
    });
  } catch (error) {
    // Two requests with the same key raced: the other one created the row.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002" && input.idempotencyKey) {
      const existing = await db.checkout.findUnique({ where: { idempotencyKey: scopedKey }, include: { items: true } });
      if (existing) return reuse(existing, input, provider);
    }
    throw error;
  }

  const item: CheckoutLineItem = {
    priceId: price.id,
    productId: price.product.id,
    name: price.product.name,
    description: price.product.description || undefined,
    unitAmount: price.unitAmount,
    currency: price.currency,
    quantity: input.quantity,
    type: price.type,
    interval: price.interval,
    trialDays,
    externalPriceId,
  };
  return callProvider(provider, checkout.id, 1, {
    mode,
    lineItems: [item],
    customerEmail: input.email ?? null,
    ...(await buyer(input.userId)),
    providerCustomerId: customer?.providerCustomerId ?? null,
    appUrl: input.appUrl,
    presentation: input.presentation,
    locale: input.locale,
    allowDiscountCodes: input.allowDiscountCodes,
    buyerCountry: input.buyerCountry,
  });
}

type ProviderCallInput = {
  mode: CheckoutMode;
  lineItems: CheckoutLineItem[];
  customerEmail: string | null;
  customerName: string | null;
  userId: string;
  providerCustomerId: string | null;
  appUrl: string;
  presentation: Presentation;
  locale?: string;
  allowDiscountCodes?: boolean;
  buyerCountry?: string;
};

async function callProvider(
  provider: PaymentProvider,
  checkoutId: string,
  attempt: number,
  request: ProviderCallInput,
  /** This attempt's provider key was sent before (a retry after an unknown outcome). */
  keyReused = false,
): Promise<CreatedCheckoutResult> {
  const origin = request.appUrl.replace(/\/+$/, "");
  const id = encodeURIComponent(checkoutId);
  try {
    const created = await provider.createCheckout({
      checkoutId,
      mode: request.mode,
      lineItems: request.lineItems,
      customerEmail: request.customerEmail,
      customerName: request.customerName,
      userId: request.userId,
      providerCustomerId: request.providerCustomerId,
      successUrl: `${origin}${SUCCESS_PATH}?${CHECKOUT_ID_PARAM}=${id}`,
      cancelUrl: `${origin}${CANCEL_PATH}?${CHECKOUT_ID_PARAM}=${id}`,
      // One provider session per (our checkout, attempt): a network retry reuses it.
      idempotencyKey: attempt === 1 ? `checkout_${checkoutId}` : `checkout_${checkoutId}_${attempt}`,
      presentation: request.presentation,
      locale: request.locale,
      allowDiscountCodes: request.allowDiscountCodes,
      buyerCountry: request.buyerCountry,
    });
    const updated = await db.checkout.update({
      where: { id: checkoutId },
      data: {
        providerSessionId: created.providerSessionId,
        url: created.url,
        expiresAt: created.expiresAt,
        status: "open",
        lastError: null,
        metadata: { attempts: attempt },
      },
    });
    return {
      id: updated.id,
      url: updated.url,
      presentation: request.presentation,
      status: updated.status,
      provider: provider.name,
      expiresAt: updated.expiresAt,
      reused: false,
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // No definitive answer (timeout, network error, 429/5xx): the provider may have created the
    // session and the answer was lost, so the next attempt reuses this attempt's provider key —
    // a provider with idempotency (Stripe, FastStar) then returns that session, not a second one.
    // Only once: a key that fails again moves on (Stripe replays a saved 5xx for 24 hours).
    const unavailable = error instanceof ProviderUnavailableError || !(error instanceof PaymentsError);
    const outcomeUnknown = unavailable && !keyReused;
    const metadata: AttemptMetadata = outcomeUnknown ? { attempts: attempt, outcomeUnknown: true } : { attempts: attempt };
    await db.checkout.update({
      where: { id: checkoutId },
      data: { status: "failed", lastError: message.slice(0, 2000), metadata },
    });
    if (error instanceof PaymentsError) throw error;
    throw new ProviderUnavailableError(provider.name, `Could not create a ${provider.name} checkout: ${message}`, { cause: error });
  }
}

/** Our user id and name for the provider's customer fields (a name prefill; ids never from the browser). */
async function buyer(userId: string): Promise<{ userId: string; customerName: string | null }> {
  const user = await db.user.findUnique({ where: { id: userId }, select: { name: true } });
  return { userId, customerName: user?.name?.trim() || null };
}

type ExistingCheckout = Prisma.CheckoutGetPayload<{ include: { items: true } }>;
/** Checkout.metadata: provider calls made so far, and whether the last one's outcome is unknown. */
type AttemptMetadata = { attempts: number; outcomeUnknown?: boolean };

/** The same idempotency key again from the same user. */
async function reuse(
  existing: ExistingCheckout,
  input: z.infer<typeof inputSchema>,
  provider: PaymentProvider,
): Promise<CreatedCheckoutResult> {
  const item = existing.items[0];
  if (existing.provider !== provider.name || !item || item.priceId !== input.priceId || item.quantity !== input.quantity) {
    throw new IdempotencyConflictError("This idempotency key was already used for a different checkout.");
  }
  const result = (status: string): CreatedCheckoutResult => ({
    id: existing.id,
    url: existing.url,
    presentation: existing.presentation === "overlay" ? "overlay" : "redirect",
    status,
    provider: provider.name,
    expiresAt: existing.expiresAt,
    reused: true,
  });
  switch (existing.status) {
    case "open":
      if (existing.expiresAt && existing.expiresAt.getTime() <= Date.now()) {
        throw new IdempotencyConflictError("That checkout has expired; start a new one.");
      }
      return result("open");
    case "processing":
    case "complete":
    case "held":
      return result(existing.status);
    case "expired":
    case "canceled":
      throw new IdempotencyConflictError(`That checkout is ${existing.status}; start a new one.`);
    case "pending":
    case "failed": {
      if (existing.status === "pending" && Date.now() - existing.updatedAt.getTime() < IN_FLIGHT_MS) {
        throw new CheckoutInProgressError(existing.id);
      }
      // Resume: a stale pending row, or one whose last call got no definitive answer, retries
      // with the same provider key (the provider returns the session if that call got through);
      // a failed one (refused, or its payment failed) with a new attempt's key.
      const recorded = existing.metadata as AttemptMetadata | null;
      const previous = Number(recorded?.attempts ?? 1);
      const sameKey = existing.status === "pending" || recorded?.outcomeUnknown === true;
      const attempt = sameKey ? Math.max(1, previous) : previous + 1;
      const claimed = await db.checkout.updateMany({
        where: { id: existing.id, status: existing.status, updatedAt: existing.updatedAt },
        data: { status: "pending", lastError: null },
      });
      if (claimed.count === 0) throw new CheckoutInProgressError(existing.id);
      const price = await db.price.findUniqueOrThrow({
        where: { id: item.priceId },
        include: { product: true, externalIds: { where: { provider: provider.name } } },
      });
      const customer = await db.customer.findUnique({
        where: { userId_provider: { userId: existing.userId, provider: provider.name } },
      });
      return callProvider(provider, existing.id, attempt, {
        mode: existing.mode,
        lineItems: [
          {
            priceId: price.id,
            productId: price.product.id,
            name: price.product.name,
            description: price.product.description || undefined,
            // amounts as recorded on our row when it was created
            unitAmount: item.unitAmount,
            currency: item.currency,
            quantity: item.quantity,
            type: price.type,
            interval: price.interval,
            // as decided when the row was created (a trial once per user and product)
            trialDays: existing.trialDays,
            externalPriceId: price.externalIds[0]?.externalId ?? null,
          },
        ],
        customerEmail: input.email ?? null,
        ...(await buyer(existing.userId)),
        providerCustomerId: customer?.providerCustomerId ?? null,
        appUrl: input.appUrl,
        presentation: existing.presentation === "overlay" ? "overlay" : "redirect",
        locale: input.locale,
        allowDiscountCodes: input.allowDiscountCodes,
        buyerCountry: input.buyerCountry,
      }, sameKey);
    }
  }
}
