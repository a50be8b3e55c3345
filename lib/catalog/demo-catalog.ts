// The demo catalog that `prisma/seed.ts` writes. Amounts are minor units. Replace it with
// your own products; ids are stable because the browser sends only these ids.

export type DemoPrice = {
  id: string;
  type: "one_time" | "recurring";
  interval?: "month" | "year";
  unitAmount: number;
  currency: string;
  trialDays?: number;
  minQuantity?: number;
  maxQuantity?: number;
};

export type DemoProduct = {
  id: string;
  kind: "plan" | "one_time" | "credit_pack";
  name: string;
  description: string;
  features: string[];
  entitlement?: string;
  credits?: number;
  sortOrder: number;
  prices: DemoPrice[];
};

export const demoCatalog: DemoProduct[] = [
  {
    id: "starter",
    kind: "plan",
    name: "Starter",
    description: "For individuals getting a project off the ground.",
    features: ["1 project", "Email support", "Community templates"],
    entitlement: "starter",
    sortOrder: 10,
    prices: [
      { id: "starter_monthly", type: "recurring", interval: "month", unitAmount: 900, currency: "usd" },
      { id: "starter_yearly", type: "recurring", interval: "year", unitAmount: 9000, currency: "usd" },
    ],
  },
  {
    id: "pro",
    kind: "plan",
    name: "Pro",
    description: "For teams shipping every week.",
    features: ["Unlimited projects", "Priority support", "All templates", "7-day free trial"],
    entitlement: "pro",
    sortOrder: 20,
    prices: [
      { id: "pro_monthly", type: "recurring", interval: "month", unitAmount: 2900, currency: "usd", trialDays: 7 },
      { id: "pro_yearly", type: "recurring", interval: "year", unitAmount: 29000, currency: "usd", trialDays: 7 },
    ],
  },
  {
    id: "lifetime",
    kind: "one_time",
    name: "Lifetime templates",
    description: "Every template we publish, yours forever. Pay once.",
    features: ["All current and future templates", "Commercial license"],
    entitlement: "templates",
    sortOrder: 30,
    prices: [{ id: "lifetime_once", type: "one_time", unitAmount: 14900, currency: "usd" }],
  },
  {
    id: "credits_100",
    kind: "credit_pack",
    name: "100 credits",
    description: "Top up credits for usage-based features. Buy up to 10 packs at once.",
    features: ["100 credits per pack", "Never expire"],
    credits: 100,
    sortOrder: 40,
    prices: [
      { id: "credits_100_pack", type: "one_time", unitAmount: 1000, currency: "usd", minQuantity: 1, maxQuantity: 10 },
    ],
  },
];
