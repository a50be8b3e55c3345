import type { PaymentEvent } from "@/lib/payments/types";

/**
 * The ids an event names, as the keys an unmatched event waits on and an applied one
 * unlocks: our checkout id, the provider's session, payment, subscription and invoice ids.
 */
export function matchKeysOf(event: PaymentEvent): string[] {
  const keys = new Set<string>();
  const add = (kind: string, id: string | null | undefined) => {
    if (id) keys.add(`${kind}:${id}`);
  };
  add("checkout", event.ourCheckoutId);
  add("checkout", event.subscription?.ourCheckoutId);
  add("session", event.providerSessionId);
  add("payment", event.payment?.id);
  add("subscription", event.subscriptionId ?? event.subscription?.id);
  add("invoice", event.invoice?.id);
  return [...keys];
}
