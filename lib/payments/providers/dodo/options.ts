import { z } from "zod";

// Dodo-only checkout options: what our neutral CheckoutRequest cannot say but a Dodo checkout
// session can (billing address, payment methods, theme, feature flags …). Typed here, carried
// in `CheckoutRequest.providerOptions.dodo`, merged over the app's defaults from
// DODO_PAYMENTS_CHECKOUT_OPTIONS (config.ts), and mapped to the wire in checkout.ts.
// Pure (no SDK, no `server-only`): lib/payments/types.ts and the boot check import it.

/** `allowed_payment_method_types` values Dodo documents for checkout sessions. */
export const DODO_PAYMENT_METHOD_TYPES = [
  "credit",
  "debit",
  "upi_collect",
  "upi_intent",
  "apple_pay",
  "google_pay",
  "amazon_pay",
  "klarna",
  "affirm",
  "afterpay_clearpay",
  "sepa",
  "ach",
  "cashapp",
  "multibanco",
  "bancontact_card",
  "eps",
  "ideal",
  "przelewy24",
  "paypal",
] as const;
export type DodoPaymentMethodType = (typeof DODO_PAYMENT_METHOD_TYPES)[number];

export const DODO_THEMES = ["light", "dark", "system"] as const;

export interface DodoBillingAddress {
  /** ISO 3166-1 alpha-2, upper case (required by Dodo whenever an address is sent). */
  country: string;
  state?: string;
  city?: string;
  street?: string;
  zipcode?: string;
}

export interface DodoFeatureFlags {
  allowDiscountCode?: boolean;
  allowPhoneNumberCollection?: boolean;
  allowTaxId?: boolean;
  allowCurrencySelection?: boolean;
  alwaysCreateNewCustomer?: boolean;
}

export interface DodoCheckoutOptions {
  /** Prefills for a new Dodo customer (the email comes from CheckoutRequest.customerEmail). */
  customer?: { name?: string; phoneNumber?: string };
  billingAddress?: DodoBillingAddress;
  /** Must include both "credit" and "debit" as the fallback Dodo asks for. */
  allowedPaymentMethodTypes?: DodoPaymentMethodType[];
  /** ISO 4217 (upper case); Dodo honours it only with adaptive pricing enabled. */
  billingCurrency?: string;
  showSavedPaymentMethods?: boolean;
  /** Skip Dodo's details step: needs the customer and the full billing address (session lives 15 min). */
  confirm?: boolean;
  /** With confirm: only country and zipcode are required. */
  minimalAddress?: boolean;
  force3ds?: boolean;
  customization?: { theme?: (typeof DODO_THEMES)[number]; showOrderDetails?: boolean };
  featureFlags?: DodoFeatureFlags;
}

const text = z.string().trim().min(1).max(200);

export const dodoBillingAddressSchema = z
  .object({
    country: z.string().regex(/^[A-Z]{2}$/, "country must be an ISO 3166-1 alpha-2 code such as US"),
    state: text.optional(),
    city: text.optional(),
    street: text.optional(),
    zipcode: z.string().trim().min(1).max(20).optional(),
  })
  .strict();

export const dodoCheckoutOptionsSchema = z
  .object({
    customer: z.object({ name: text.optional(), phoneNumber: z.string().regex(/^\+?[0-9 ()-]{6,20}$/).optional() }).strict().optional(),
    billingAddress: dodoBillingAddressSchema.optional(),
    allowedPaymentMethodTypes: z.array(z.enum(DODO_PAYMENT_METHOD_TYPES)).min(1).optional(),
    billingCurrency: z.string().regex(/^[A-Z]{3}$/, "billingCurrency must be an ISO 4217 code such as USD").optional(),
    showSavedPaymentMethods: z.boolean().optional(),
    confirm: z.boolean().optional(),
    minimalAddress: z.boolean().optional(),
    force3ds: z.boolean().optional(),
    customization: z.object({ theme: z.enum(DODO_THEMES).optional(), showOrderDetails: z.boolean().optional() }).strict().optional(),
    featureFlags: z
      .object({
        allowDiscountCode: z.boolean().optional(),
        allowPhoneNumberCollection: z.boolean().optional(),
        allowTaxId: z.boolean().optional(),
        allowCurrencySelection: z.boolean().optional(),
        alwaysCreateNewCustomer: z.boolean().optional(),
      })
      .strict()
      .optional(),
  })
  .strict() satisfies z.ZodType<DodoCheckoutOptions>;

/** Field-wise merge: `override` wins; nested objects (customer, address, customization, flags) merge too. */
export function mergeDodoOptions(base: DodoCheckoutOptions, override: DodoCheckoutOptions | undefined): DodoCheckoutOptions {
  if (!override) return base;
  const merged: DodoCheckoutOptions = { ...base, ...override };
  if (base.customer || override.customer) merged.customer = { ...base.customer, ...override.customer };
  // An address is one thing: a request's own address replaces the default one entirely.
  if (override.billingAddress) merged.billingAddress = { ...override.billingAddress };
  if (base.customization || override.customization) merged.customization = { ...base.customization, ...override.customization };
  if (base.featureFlags || override.featureFlags) merged.featureFlags = { ...base.featureFlags, ...override.featureFlags };
  return merged;
}
