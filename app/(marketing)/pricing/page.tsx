import type { Metadata } from "next";
import { listCatalog } from "@/lib/catalog";
import { currentUser } from "@/lib/auth";
import { checkoutOptions } from "@/lib/billing";
import { PricingTable } from "@/components/pricing/pricing-table";
import { PricingCta } from "@/components/pricing/pricing-cta";

// The catalog lives in the database, which `next build` does not have.
export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: "Pricing",
  description: "Plans billed monthly or yearly, one-time purchases and credit packs.",
};

type PricingPageProps = {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

export default async function PricingPage({ searchParams }: PricingPageProps) {
  const [products, user, { interval }] = await Promise.all([listCatalog(), currentUser(), searchParams]);
  const { overlay } = checkoutOptions();
  return (
    <div className="mx-auto flex max-w-6xl flex-col gap-12 px-4 py-16 sm:px-6">
      <div className="mx-auto flex max-w-2xl flex-col gap-3 text-center">
        <h1 className="text-4xl font-semibold tracking-tight sm:text-5xl">Pricing</h1>
        <p className="text-lg text-zinc-600 dark:text-zinc-400">
          Pick a plan, buy once, or top up credits. Prices are set on the server and charged through a hosted
          checkout page.
        </p>
      </div>
      <PricingTable
        products={products}
        defaultInterval={interval === "year" ? "year" : "month"}
        cta={(product, price) => (
          <PricingCta
            priceId={price.id}
            kind={product.kind}
            signedIn={user !== null}
            minQuantity={price.minQuantity}
            maxQuantity={price.maxQuantity}
            overlay={overlay}
          />
        )}
      />
    </div>
  );
}
