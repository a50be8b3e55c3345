"use client";

import { useState, type MouseEvent, type ReactNode } from "react";

export type BillingInterval = "month" | "year";

type BillingIntervalToggleProps = {
  /** Plan cards billed monthly; shown while "Monthly" is pressed. */
  monthly: ReactNode;
  /** Plan cards billed yearly; shown while "Yearly" is pressed. */
  yearly: ReactNode;
  /** Initially selected interval (the page reads it from `?interval=`). */
  defaultInterval?: BillingInterval;
  /** Short note on the yearly button, e.g. "Save up to 17%". */
  yearlyHint?: string;
};

const OPTIONS: { value: BillingInterval; label: string }[] = [
  { value: "month", label: "Monthly" },
  { value: "year", label: "Yearly" },
];

/**
 * Two-button toggle (aria-pressed) between monthly and yearly plan cards. Both sets are
 * server-rendered; this only hides one. Without JavaScript the buttons submit a GET form
 * (`?interval=year`), so the server renders the chosen set instead.
 */
export function BillingIntervalToggle({
  monthly,
  yearly,
  defaultInterval = "month",
  yearlyHint,
}: BillingIntervalToggleProps) {
  const [interval, setSelected] = useState<BillingInterval>(defaultInterval);

  function choose(event: MouseEvent<HTMLButtonElement>, value: BillingInterval) {
    event.preventDefault();
    setSelected(value);
    const url = new URL(window.location.href);
    url.searchParams.set("interval", value);
    window.history.replaceState(null, "", url);
  }

  return (
    <div className="flex flex-col gap-8">
      <form method="get" className="flex justify-center">
        <div
          role="group"
          aria-label="Billing interval"
          className="inline-flex rounded-full border border-zinc-200 bg-zinc-100 p-1 dark:border-zinc-800 dark:bg-zinc-900"
        >
          {OPTIONS.map((option) => {
            const pressed = interval === option.value;
            return (
              <button
                key={option.value}
                type="submit"
                name="interval"
                value={option.value}
                aria-pressed={pressed}
                onClick={(event) => choose(event, option.value)}
                className={`inline-flex items-center gap-2 rounded-full px-4 py-2 text-sm font-medium transition-colors focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 dark:focus-visible:outline-indigo-400 ${
                  pressed
                    ? "bg-white text-zinc-900 shadow-sm dark:bg-zinc-700 dark:text-white"
                    : "text-zinc-600 hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-white"
                }`}
              >
                {option.label}
                {option.value === "year" && yearlyHint ? (
                  <span className="rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-semibold text-emerald-800 dark:bg-emerald-900/60 dark:text-emerald-200">
                    {yearlyHint}
                  </span>
                ) : null}
              </button>
            );
          })}
        </div>
      </form>
      <div hidden={interval !== "month"}>{monthly}</div>
      <div hidden={interval !== "year"}>{yearly}</div>
    </div>
  );
}
