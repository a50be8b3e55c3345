import type { ReactNode } from "react";
import { cardClasses } from "@/components/ui/styles";

export type PriceCardProps = {
  /** Catalog price id: the card gets `data-testid="price-<priceId>"`. */
  priceId: string;
  name: string;
  description: string;
  features: string[];
  /** Formatted amount, e.g. "$29". */
  amount: string;
  /** Shown after the amount, e.g. "/month", "one-time", "per pack". */
  cadence?: string;
  /** Short notes under the price: trial, yearly equivalent, per-credit price … */
  notes?: string[];
  /** A small highlighted label, e.g. "Save 17%". */
  badge?: string;
  /**
   * The call to action at the bottom of the card: a sign-in link, a placeholder, or the
   * checkout button (see components/pricing/pricing-cta.tsx).
   */
  cta: ReactNode;
};

export function PriceCard({ priceId, name, description, features, amount, cadence, notes = [], badge, cta }: PriceCardProps) {
  const headingId = `price-${priceId}-name`;
  return (
    <article
      aria-labelledby={headingId}
      data-testid={`price-${priceId}`}
      className={`${cardClasses} flex h-full flex-col gap-6 p-6`}
    >
      <div className="flex flex-col gap-2">
        <div className="flex items-start justify-between gap-3">
          <h3 id={headingId} className="text-lg font-semibold tracking-tight">
            {name}
          </h3>
          {badge ? (
            <span className="shrink-0 rounded-full bg-emerald-100 px-2.5 py-0.5 text-xs font-semibold text-emerald-800 dark:bg-emerald-900/60 dark:text-emerald-200">
              {badge}
            </span>
          ) : null}
        </div>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">{description}</p>
      </div>

      <div className="flex flex-col gap-1">
        <p className="flex items-baseline gap-1">
          <span className="text-4xl font-semibold tracking-tight">{amount}</span>
          {cadence ? <span className="text-sm text-zinc-600 dark:text-zinc-400">{cadence}</span> : null}
        </p>
        {notes.map((note) => (
          <p key={note} className="text-sm text-zinc-600 dark:text-zinc-400">
            {note}
          </p>
        ))}
      </div>

      {features.length > 0 ? (
        <ul className="flex flex-col gap-2 text-sm" aria-label={`${name} includes`}>
          {features.map((feature) => (
            <li key={feature} className="flex gap-2">
              <svg
                viewBox="0 0 20 20"
                aria-hidden="true"
                focusable="false"
                className="mt-0.5 size-4 shrink-0 fill-indigo-600 dark:fill-indigo-400"
              >
                <path d="M16.7 5.3a1 1 0 0 1 0 1.4l-8 8a1 1 0 0 1-1.4 0l-4-4a1 1 0 1 1 1.4-1.4L8 12.58l7.3-7.3a1 1 0 0 1 1.4 0Z" />
              </svg>
              <span>{feature}</span>
            </li>
          ))}
        </ul>
      ) : null}

      {/* The CTA slot. */}
      <div className="mt-auto" data-slot="cta">
        {cta}
      </div>
    </article>
  );
}
