import { z } from "zod";
import { CheckoutInputError } from "./errors";

// What the browser may send to POST /api/checkout: catalog ids and a bounded quantity, never
// amounts, currencies or product names (invariant 1). Unknown fields are refused outright.
const checkoutRequestSchema = z
  .object({
    // Catalog ids are plain slugs; anything else (control characters, NUL — which PostgreSQL
    // refuses in text) is a 400 here rather than a database error later.
    priceId: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .regex(/^[A-Za-z0-9_.:-]+$/, "priceId may contain letters, digits and _ . : - only"),
    quantity: z.number().int("quantity must be a whole number").min(1).max(1000).default(1),
    presentation: z.enum(["redirect", "overlay"]).default("redirect"),
    idempotencyKey: z.string().min(8).max(200).optional(),
  })
  .strict();

export type CheckoutRequestBody = z.infer<typeof checkoutRequestSchema>;

export function parseCheckoutRequestBody(body: unknown): CheckoutRequestBody {
  const parsed = checkoutRequestSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue.path.join(".");
  throw new CheckoutInputError(
    body === undefined ? "The request body must be JSON." : `${field || "body"}: ${issue.message}`,
    field || "body",
  );
}
