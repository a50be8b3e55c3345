import "server-only";
import { getProvider } from "@/lib/payments";
import type { ProviderName } from "@/lib/payments/types";

export type CheckoutOptions = { provider: ProviderName; overlay: boolean };

/** What the pricing page may offer with the configured provider. */
export function checkoutOptions(): CheckoutOptions {
  const provider = getProvider();
  return { provider: provider.name, overlay: provider.capabilities.overlay };
}
