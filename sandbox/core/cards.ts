/**
 * Card-form validation shared by every provider's hosted page. Which card number leads
 * to which outcome is provider-specific and lives in each provider module.
 */

export interface CardInput {
  number: string;
  expiry: string;
  cvc: string;
}

export interface ParsedCard {
  number: string;
  last4: string;
  brand: string;
  expMonth: number;
  expYear: number;
}

export type CardFieldErrors = Partial<Record<"number" | "expiry" | "cvc", string>>;

export function normalizeNumber(raw: string): string {
  return raw.replace(/[\s-]/g, "");
}

export function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

export function brandOf(number: string): string {
  if (/^4/.test(number)) return "visa";
  if (/^(5[1-5]|2[2-7])/.test(number)) return "mastercard";
  if (/^3[47]/.test(number)) return "amex";
  if (/^6(011|5)/.test(number)) return "discover";
  if (/^35/.test(number)) return "jcb";
  if (/^3(0|6|8)/.test(number)) return "diners";
  return "unknown";
}

/** Validates the three card fields; messages follow Stripe Elements' wording. */
export function parseCard(input: CardInput, nowMs: number): { card?: ParsedCard; errors: CardFieldErrors } {
  const errors: CardFieldErrors = {};
  const number = normalizeNumber(input.number ?? "");
  if (!number) errors.number = "Your card number is incomplete.";
  else if (!/^\d{12,19}$/.test(number) || !luhn(number)) errors.number = "Your card number is invalid.";

  let expMonth = 0;
  let expYear = 0;
  const exp = (input.expiry ?? "").replace(/\s/g, "");
  const m = /^(\d{1,2})\/?(\d{2}|\d{4})$/.exec(exp);
  if (!exp) errors.expiry = "Your card's expiration date is incomplete.";
  else if (!m) errors.expiry = "Your card's expiration date is incomplete.";
  else {
    expMonth = Number(m[1]);
    expYear = m[2].length === 2 ? 2000 + Number(m[2]) : Number(m[2]);
    const now = new Date(nowMs);
    const curYear = now.getUTCFullYear();
    const curMonth = now.getUTCMonth() + 1;
    if (expMonth < 1 || expMonth > 12) errors.expiry = "Your card's expiration month is invalid.";
    else if (expYear < curYear) errors.expiry = "Your card's expiration year is in the past.";
    else if (expYear === curYear && expMonth < curMonth) errors.expiry = "Your card's expiration date is in the past.";
    else if (expYear > curYear + 50) errors.expiry = "Your card's expiration year is invalid.";
  }

  const cvc = (input.cvc ?? "").trim();
  const brand = brandOf(number);
  const cvcLen = brand === "amex" ? 4 : 3;
  if (!cvc || !/^\d+$/.test(cvc) || cvc.length < cvcLen) errors.cvc = "Your card's security code is incomplete.";
  else if (cvc.length > 4) errors.cvc = "Your card's security code is invalid.";

  if (Object.keys(errors).length > 0) return { errors };
  return { card: { number, last4: number.slice(-4), brand, expMonth, expYear }, errors };
}

export function isEmail(value: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value);
}
