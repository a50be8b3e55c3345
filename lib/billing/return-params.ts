// The query parameter that carries OUR checkout id on the URLs we hand to providers (success,
// cancel) and on our own links to the status page. Not `checkout_id`: Creem appends its own
// `checkout_id` (Creem's id) to success_url, so ours would collide with it. Importable from
// client components: no secrets here.

/** Our checkout id on success/cancel/status URLs. */
export const CHECKOUT_ID_PARAM = "cid";
/** Where links created before the rename carried our id; still read when `cid` is absent. */
export const LEGACY_CHECKOUT_ID_PARAM = "checkout_id";

/** The success (status) page of one of our checkouts. */
export function checkoutStatusPath(checkoutId: string): string {
  return `/checkout/success?${new URLSearchParams({ [CHECKOUT_ID_PARAM]: checkoutId })}`;
}
