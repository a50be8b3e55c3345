import type Stripe from "stripe";

// Checkout's `locale` values, from the pinned SDK's own type (no copy to drift): the table must
// name every literal of SessionCreateParams.Locale and nothing else, or `tsc` fails — so an SDK
// upgrade that adds or drops a locale shows up as a type error here.

/** The literals of an SDK enum, without its open-ended `OtherString` member. */
type Known<T> = T extends string ? (string extends T ? never : T) : never;

export type StripeCheckoutLocale = Known<Stripe.Checkout.SessionCreateParams.Locale>;

const TABLE = {
  auto: true, bg: true, cs: true, da: true, de: true, el: true, en: true, "en-GB": true, es: true, "es-419": true, et: true,
  fi: true, fil: true, fr: true, "fr-CA": true, "hi-IN": true, hr: true, hu: true, id: true, it: true, ja: true, ko: true,
  lt: true, lv: true, ms: true, mt: true, nb: true, nl: true, pl: true, pt: true, "pt-BR": true, ro: true, ru: true,
  sk: true, sl: true, sv: true, th: true, tr: true, vi: true, zh: true, "zh-HK": true, "zh-TW": true,
} as const satisfies Record<StripeCheckoutLocale, true>;

export const STRIPE_CHECKOUT_LOCALES = Object.keys(TABLE) as StripeCheckoutLocale[];

export function isStripeCheckoutLocale(value: string): value is StripeCheckoutLocale {
  return Object.hasOwn(TABLE, value);
}
