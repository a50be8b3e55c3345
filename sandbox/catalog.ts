// The products the sandbox's providers know: our demo catalog under the ids the seed writes
// (lib/catalog/external-ids.ts), so a fresh `npm run dev` can sell every demo price through
// any provider's sandbox without dashboard set-up.
import { demoCatalog } from "../lib/catalog/demo-catalog";
import { sandboxExternalId, type CatalogProvider } from "../lib/catalog/external-ids";

export type SandboxProduct = {
  /** The provider's id for it (e.g. "prod_sbx_pro_monthly"). */
  id: string;
  name: string;
  description: string;
  unitAmount: number;
  currency: string;
  billing: { type: "one_time" } | { type: "recurring"; interval: "month" | "year"; trialDays: number | null };
  /** Credits per unit for credit packs (informational). */
  credits: number | null;
};

export function sandboxCatalog(provider: CatalogProvider): SandboxProduct[] {
  return demoCatalog.flatMap((product) =>
    product.prices.map((price) => ({
      id: sandboxExternalId(provider, price.id),
      name: product.prices.length > 1 ? `${product.name} (${price.interval === "year" ? "yearly" : "monthly"})` : product.name,
      description: product.description,
      unitAmount: price.unitAmount,
      currency: price.currency,
      billing:
        price.type === "recurring"
          ? { type: "recurring" as const, interval: price.interval ?? "month", trialDays: price.trialDays ?? null }
          : { type: "one_time" as const },
      credits: product.credits ?? null,
    })),
  );
}
