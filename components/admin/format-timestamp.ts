// Operator timestamps: date and time to the second, in UTC (logs and providers speak UTC).

const TIMESTAMP = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "medium", timeZone: "UTC" });

/** `formatTimestamp(new Date("2026-07-04T12:00:05Z"))` → "4 Jul 2026, 12:00:05 UTC". */
export function formatTimestamp(date: Date): string {
  return `${TIMESTAMP.format(date)} UTC`;
}
