import "server-only";
import { createHash, timingSafeEqual } from "node:crypto";
import { ReturnUrlVerificationError } from "@/lib/payments/errors";
import type { ReturnUrlVerification } from "@/lib/payments/types";
import { creemApiKey } from "./config";

// Creem signs the redirect to success_url (docs.creem.io, "Verifying Redirect Signatures"):
//   signature = hex(SHA-256("k1=v1|k2=v2|…|kN=vN|salt=<API key>"))
// over the redirect parameters in the order they appear in the URL, without `signature`
// itself and without null/empty values (the docs' Python/Go samples also skip a literal "null").
//
// Unconfirmed, decided here only: whether parameters that were already in OUR success_url
// (we send `?cid=<our id>`; links made before that rename sent `?checkout_id=<our id>`, which
// collides with Creem's own `checkout_id`) are part of the signed string. Creem builds the
// signature from its own fields, so the plausible answer is "no"; the literal reading of the
// docs is "every parameter in the URL". Both strings are accepted — each needs the secret API
// key as salt, so accepting either is no weaker than accepting one.

/** The parameters Creem appends to success_url (besides `signature`). */
export const CREEM_REDIRECT_PARAMS = ["request_id", "checkout_id", "order_id", "customer_id", "subscription_id", "product_id"] as const;

const present = ([, value]: [string, string]) => value !== "" && value !== "null";

/** The documented signature over `pairs` (already in URL order, `signature` excluded). */
export function creemRedirectSignature(pairs: ReadonlyArray<[string, string]>, apiKey: string): string {
  const data = pairs
    .filter(present)
    .map(([key, value]) => `${key}=${value}`)
    .concat(`salt=${apiKey}`)
    .join("|");
  return createHash("sha256").update(data, "utf8").digest("hex");
}

/** Creem's own parameters: for each of its keys the LAST occurrence (a legacy `checkout_id` of ours comes first), in URL order. */
function creemOwnPairs(pairs: Array<[string, string]>): Array<[string, string]> {
  const lastIndex = new Map<string, number>();
  pairs.forEach(([key], index) => {
    if ((CREEM_REDIRECT_PARAMS as readonly string[]).includes(key)) lastIndex.set(key, index);
  });
  return pairs.filter(([key], index) => lastIndex.get(key) === index);
}

function sameHex(a: string, b: string): boolean {
  if (!/^[0-9a-f]{64}$/i.test(a)) return false;
  return timingSafeEqual(Buffer.from(a.toLowerCase(), "utf8"), Buffer.from(b, "utf8"));
}

/**
 * Verifies the signed parameters of Creem's redirect to our success URL and returns Creem's
 * checkout id and our id (request_id). Throws ReturnUrlVerificationError. The result is a hint
 * (which checkout to look at), never proof of payment: fulfillment still reads the checkout
 * from Creem's API or a verified webhook.
 */
export function verifyCreemReturnUrl(params: URLSearchParams, apiKey: string = creemApiKey()): ReturnUrlVerification {
  const all = [...params.entries()];
  const signatures = all.filter(([key]) => key === "signature");
  if (signatures.length !== 1 || !signatures[0][1]) {
    throw new ReturnUrlVerificationError("The Creem redirect carries no (or more than one) signature parameter.");
  }
  const signature = signatures[0][1];
  const pairs = all.filter(([key]) => key !== "signature");
  const own = creemOwnPairs(pairs);
  const candidates = [creemRedirectSignature(pairs, apiKey), creemRedirectSignature(own, apiKey)];
  if (!candidates.some((expected) => sameHex(signature, expected))) {
    throw new ReturnUrlVerificationError("The Creem redirect signature does not match its parameters.");
  }
  const ownValue = (key: string) => own.find(([k]) => k === key)?.[1] ?? null;
  const clean = (value: string | null) => (value && value !== "null" ? value : null);
  return { providerSessionId: clean(ownValue("checkout_id")), ourCheckoutId: clean(ownValue("request_id")) };
}
