// Formats an amount in minor units (cents, yen, fils …) for display. Pure: no server or
// browser APIs beyond Intl, so server and client components can both use it.

const DEFAULT_LOCALE = "en-US";

/** How many decimal places the currency's minor unit has (USD 2, JPY 0, KWD 3). */
export function minorUnitDigits(currency: string): number {
  const options = new Intl.NumberFormat(DEFAULT_LOCALE, {
    style: "currency",
    currency: currency.toUpperCase(),
  }).resolvedOptions();
  return options.maximumFractionDigits ?? 2;
}

/** `formatMoney(900, "usd")` → "$9"; `formatMoney(999, "usd")` → "$9.99"; `formatMoney(500, "jpy")` → "¥500". */
export function formatMoney(minorUnits: number, currency: string, locale: string = DEFAULT_LOCALE): string {
  const code = currency.toUpperCase();
  const major = minorUnits / 10 ** minorUnitDigits(code);
  return new Intl.NumberFormat(locale, {
    style: "currency",
    currency: code,
    trailingZeroDisplay: "stripIfInteger",
  }).format(major);
}
