import type { ReactNode } from "react";
import type { CatalogPrice, CatalogProduct } from "@/lib/catalog";
import { formatMoney } from "@/components/format-money";
import { BillingIntervalToggle, type BillingInterval } from "./billing-interval-toggle";
import { PriceCard } from "./price-card";

type PricingTableProps = {
  products: CatalogProduct[];
  /** Renders each card's call to action (the card's `cta` slot). */
  cta: (product: CatalogProduct, price: CatalogPrice) => ReactNode;
  /** Which plan interval the toggle starts on. */
  defaultInterval?: BillingInterval;
};

const CADENCE: Record<BillingInterval, string> = { month: "/month", year: "/year" };

/** Percentage saved by paying yearly instead of 12 monthly payments, or null. */
function yearlySavingsPercent(product: CatalogProduct, yearly: CatalogPrice): number | null {
  const monthly = product.prices.find(
    (price) => price.interval === "month" && price.currency === yearly.currency,
  );
  if (!monthly || monthly.unitAmount <= 0) return null;
  const percent = Math.round((1 - yearly.unitAmount / (monthly.unitAmount * 12)) * 100);
  return percent > 0 ? percent : null;
}

function planCard(product: CatalogProduct, price: CatalogPrice, interval: BillingInterval, cta: PricingTableProps["cta"]) {
  const notes: string[] = [];
  if (price.trialDays) notes.push(`${price.trialDays}-day free trial`);
  let badge: string | undefined;
  if (interval === "year") {
    notes.push(`${formatMoney(Math.round(price.unitAmount / 12), price.currency)}/month, billed yearly`);
    const savings = yearlySavingsPercent(product, price);
    if (savings) badge = `Save ${savings}%`;
  }
  return (
    <PriceCard
      key={price.id}
      priceId={price.id}
      name={product.name}
      description={product.description}
      features={product.features}
      amount={formatMoney(price.unitAmount, price.currency)}
      cadence={CADENCE[interval]}
      notes={notes}
      badge={badge}
      cta={cta(product, price)}
    />
  );
}

function oneTimeCard(product: CatalogProduct, price: CatalogPrice, cta: PricingTableProps["cta"]) {
  const notes: string[] = [];
  if (product.kind === "credit_pack") {
    if (product.credits && product.credits > 0) {
      notes.push(`${formatMoney(price.unitAmount / product.credits, price.currency)} per credit`);
    }
    if (price.maxQuantity > 1) notes.push(`Buy ${price.minQuantity}–${price.maxQuantity} packs at once`);
  } else {
    notes.push("Pay once, no subscription");
  }
  return (
    <PriceCard
      key={price.id}
      priceId={price.id}
      name={product.name}
      description={product.description}
      features={product.features}
      amount={formatMoney(price.unitAmount, price.currency)}
      cadence={product.kind === "credit_pack" ? "per pack" : "one-time"}
      notes={notes}
      cta={cta(product, price)}
    />
  );
}

function CardGrid({ children }: { children: ReactNode }) {
  // Fixed-width tracks, centred: two plans sit in the middle instead of leaving a gap on the right.
  return (
    <div className="grid grid-cols-[repeat(auto-fit,minmax(min(100%,18rem),22rem))] justify-center gap-6">{children}</div>
  );
}

function Section({ id, title, intro, children }: { id: string; title: string; intro: string; children: ReactNode }) {
  return (
    <section aria-labelledby={id} className="flex flex-col gap-6">
      <div className="flex flex-col gap-1 text-center">
        <h2 id={id} className="text-2xl font-semibold tracking-tight">
          {title}
        </h2>
        <p className="text-zinc-600 dark:text-zinc-400">{intro}</p>
      </div>
      {children}
    </section>
  );
}

/** The whole catalog: plans (with the monthly/yearly toggle), one-time products, credit packs. */
export function PricingTable({ products, cta, defaultInterval = "month" }: PricingTableProps) {
  const plans = products.filter((product) => product.kind === "plan");
  const oneTime = products.filter((product) => product.kind === "one_time");
  const creditPacks = products.filter((product) => product.kind === "credit_pack");

  const planCards = (interval: BillingInterval) =>
    plans.flatMap((product) =>
      product.prices
        .filter((price) => price.type === "recurring" && price.interval === interval)
        .map((price) => planCard(product, price, interval, cta)),
    );
  const monthly = planCards("month");
  const yearly = planCards("year");
  const bestSavings = Math.max(
    0,
    ...plans.flatMap((product) =>
      product.prices
        .filter((price) => price.interval === "year")
        .map((price) => yearlySavingsPercent(product, price) ?? 0),
    ),
  );

  const oneTimeCards = (list: CatalogProduct[]) =>
    list.flatMap((product) => product.prices.map((price) => oneTimeCard(product, price, cta)));

  if (products.length === 0) {
    return (
      <p className="rounded-2xl border border-dashed border-zinc-300 p-8 text-center text-zinc-600 dark:border-zinc-700 dark:text-zinc-400">
        No products are available yet. Please check back soon.
      </p>
    );
  }

  return (
    <div className="flex flex-col gap-16">
      {monthly.length + yearly.length > 0 ? (
        <Section id="plans-heading" title="Plans" intro="Subscribe monthly or yearly. Cancel any time.">
          {monthly.length > 0 && yearly.length > 0 ? (
            <BillingIntervalToggle
              defaultInterval={defaultInterval}
              yearlyHint={bestSavings > 0 ? `Save up to ${bestSavings}%` : undefined}
              monthly={<CardGrid>{monthly}</CardGrid>}
              yearly={<CardGrid>{yearly}</CardGrid>}
            />
          ) : (
            <CardGrid>{monthly.length > 0 ? monthly : yearly}</CardGrid>
          )}
        </Section>
      ) : null}

      {oneTime.length + creditPacks.length > 0 ? (
        <div className="grid gap-16 lg:grid-flow-col lg:auto-cols-fr">
          {oneTime.length > 0 ? (
            <Section id="one-time-heading" title="One-time purchases" intro="Pay once and keep it.">
              <CardGrid>{oneTimeCards(oneTime)}</CardGrid>
            </Section>
          ) : null}
          {creditPacks.length > 0 ? (
            <Section id="credit-packs-heading" title="Credit packs" intro="Top up credits whenever you need them.">
              <CardGrid>{oneTimeCards(creditPacks)}</CardGrid>
            </Section>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
