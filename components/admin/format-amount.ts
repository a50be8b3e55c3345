import { formatMoney } from "@/components/format-money";

// Amounts as the console shows them. A provider may report a currency we do not price in (or
// a malformed one): show the raw figure rather than fail the page.

/** `formatAmount(1000, "usd")` → "$10"; `formatAmount(1000, "??")` → "1000 ??"; null → "—". */
export function formatAmount(minorUnits: number | null, currency: string | null): string {
  if (minorUnits == null) return "—";
  if (!currency) return `${minorUnits} (no currency)`;
  try {
    return formatMoney(minorUnits, currency);
  } catch {
    return `${minorUnits} ${currency}`;
  }
}
