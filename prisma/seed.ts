import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../lib/generated/prisma/client";
import { demoCatalog } from "../lib/catalog/demo-catalog";
import { CATALOG_PROVIDERS, externalIdsFor } from "../lib/catalog/external-ids";

// Idempotent: upserts the demo catalog, so it runs on every `npm run dev` start. Several
// processes may seed one database at once (the e2e servers): a lost insert race is retried.
export async function seedCatalog(prisma: PrismaClient): Promise<void> {
  try {
    await upsertCatalog(prisma);
  } catch (error) {
    if ((error as { code?: string }).code !== "P2002") throw error;
    await upsertCatalog(prisma);
  }
}

async function upsertCatalog(prisma: PrismaClient): Promise<void> {
  for (const product of demoCatalog) {
    const productData = {
      kind: product.kind,
      name: product.name,
      description: product.description,
      features: product.features,
      entitlement: product.entitlement ?? null,
      credits: product.credits ?? null,
      sortOrder: product.sortOrder,
      active: true,
    };
    await prisma.product.upsert({
      where: { id: product.id },
      create: { id: product.id, ...productData },
      update: productData,
    });
    for (const price of product.prices) {
      const priceData = {
        productId: product.id,
        type: price.type,
        interval: price.interval ?? null,
        unitAmount: price.unitAmount,
        currency: price.currency,
        trialDays: price.trialDays ?? null,
        minQuantity: price.minQuantity ?? 1,
        maxQuantity: price.maxQuantity ?? 1,
        active: true,
      };
      await prisma.price.upsert({
        where: { id: price.id },
        create: { id: price.id, ...priceData },
        update: priceData,
      });
    }
  }
  const priceIds = demoCatalog.flatMap((product) => product.prices.map((price) => price.id));
  for (const provider of CATALOG_PROVIDERS) {
    for (const [priceId, externalId] of Object.entries(externalIdsFor(provider, priceIds))) {
      await prisma.priceExternalId.upsert({
        where: { priceId_provider: { priceId, provider } },
        create: { priceId, provider, externalId },
        update: { externalId },
      });
    }
  }
}

async function main() {
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) throw new Error("DATABASE_URL is not set: cannot seed the catalog.");
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString }) });
  try {
    await seedCatalog(prisma);
    console.log(`Seeded ${demoCatalog.length} products.`);
  } finally {
    await prisma.$disconnect();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
