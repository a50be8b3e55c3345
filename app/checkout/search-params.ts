// Shared by the checkout return pages: query parameters are hints (ids to look up), never state.

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
