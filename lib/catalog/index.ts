import "server-only";
import { db } from "@/lib/db";

export type CatalogPrice = {
  id: string;
  type: "one_time" | "recurring";
  interval: "month" | "year" | null;
  unitAmount: number;
  currency: string;
  trialDays: number | null;
  minQuantity: number;
  maxQuantity: number;
};

export type CatalogProduct = {
  id: string;
  kind: "plan" | "one_time" | "credit_pack";
  name: string;
  description: string;
  features: string[];
  credits: number | null;
  prices: CatalogPrice[];
};

/** Active products with their active prices, in display order. */
export async function listCatalog(): Promise<CatalogProduct[]> {
  const products = await db.product.findMany({
    where: { active: true },
    orderBy: { sortOrder: "asc" },
    include: { prices: { where: { active: true }, orderBy: { unitAmount: "asc" } } },
  });
  return products.map((product) => ({
    id: product.id,
    kind: product.kind,
    name: product.name,
    description: product.description,
    features: product.features,
    credits: product.credits,
    prices: product.prices.map((price) => ({
      id: price.id,
      type: price.type,
      interval: price.interval,
      unitAmount: price.unitAmount,
      currency: price.currency,
      trialDays: price.trialDays,
      minQuantity: price.minQuantity,
      maxQuantity: price.maxQuantity,
    })),
  }));
}
