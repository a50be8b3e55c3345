// Shared by the checkout return pages: query parameters are hints (ids to look up), never state.

import { CHECKOUT_ID_PARAM, LEGACY_CHECKOUT_ID_PARAM } from "@/lib/billing/return-params";

export type SearchParams = Record<string, string | string[] | undefined>;

/** The first value of a query parameter, or undefined. */
export function firstParam(params: SearchParams, name: string): string | undefined {
  const value = params[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The page's own URL with only the parameters it reads: the sign-in return target. */
export function returnPath(pathname: string, params: Record<string, string | undefined>): string {
  const kept = Object.entries(params).filter((entry): entry is [string, string] => typeof entry[1] === "string" && entry[1] !== "");
  return kept.length ? `${pathname}?${new URLSearchParams(kept)}` : pathname;
}

/** Our checkout id: `cid`, or `checkout_id` on links made before the rename (see lib/billing/return-params). */
export function ourCheckoutIdParam(params: SearchParams): string | undefined {
  return firstParam(params, CHECKOUT_ID_PARAM) ?? firstParam(params, LEGACY_CHECKOUT_ID_PARAM);
}

/** The whole query in URL order (repeated keys next to each other), for signature checks. */
export function toURLSearchParams(params: SearchParams): URLSearchParams {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) query.append(name, one);
  }
  return query;
}
