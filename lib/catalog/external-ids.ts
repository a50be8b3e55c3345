// Providers other than Stripe sell only products defined in their own dashboard, so each
// catalog price needs that provider's id (PriceExternalId). Real ids come from
// `<PROVIDER>_PRODUCT_IDS` (JSON: {"pro_monthly": "prod_…"}); without it the seed writes the
// ids the local sandbox's catalog uses (sandbox/catalog.ts), derived from our price ids.
// Stripe needs none: its adapter sends inline price_data.

export const CATALOG_PROVIDERS = ["creem", "dodo", "recur", "faststar"] as const;
export type CatalogProvider = (typeof CATALOG_PROVIDERS)[number];

const SANDBOX_PREFIX: Record<CatalogProvider, string> = {
  creem: "prod_sbx_",
  dodo: "pdt_sbx_",
  recur: "prod_sbx_",
  faststar: "price_sbx_",
};

export function sandboxExternalId(provider: CatalogProvider, priceId: string): string {
  return `${SANDBOX_PREFIX[provider]}${priceId}`;
}

export function productIdsVariable(provider: CatalogProvider): string {
  return `${provider.toUpperCase()}_PRODUCT_IDS`;
}

/** The provider's id for each of our price ids: configured ones, else the sandbox's. */
export function externalIdsFor(
  provider: CatalogProvider,
  priceIds: string[],
  env: Record<string, string | undefined> = process.env,
): Record<string, string> {
  const variable = productIdsVariable(provider);
  const raw = env[variable]?.trim();
  let configured: Record<string, unknown> = {};
  if (raw) {
    try {
      configured = JSON.parse(raw);
    } catch {
      throw new Error(`${variable} must be JSON like {"pro_monthly":"prod_123"}.`);
    }
  }
  return Object.fromEntries(
    priceIds.map((priceId) => {
      const value = configured[priceId];
      return [priceId, typeof value === "string" && value ? value : sandboxExternalId(provider, priceId)];
    }),
  );
}
