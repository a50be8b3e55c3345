// Dates on billing pages: long, unambiguous, in UTC (a period end is a moment, and UTC keeps
// server rendering independent of the server's time zone). Pure: server and client safe.

const LONG_DATE = new Intl.DateTimeFormat("en-US", { dateStyle: "long", timeZone: "UTC" });
const SHORT_DATE = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: "UTC" });

/** `formatDate(new Date("2026-07-04T12:00:00Z"))` → "July 4, 2026". */
export function formatDate(date: Date): string {
  return LONG_DATE.format(date);
}

/** `formatShortDate(new Date("2026-07-04T12:00:00Z"))` → "Jul 4, 2026". */
export function formatShortDate(date: Date): string {
  return SHORT_DATE.format(date);
}
