import "server-only";
import { activeProviderName } from "./config";
import { ProviderConfigurationError, UnknownProviderError } from "./errors";
import { stripeProvider } from "./providers/stripe";
import { dodoProvider } from "./providers/dodo";
import { creemProvider } from "./providers/creem";
import { faststarProvider } from "./providers/faststar";
import { recurProvider } from "./providers/recur";
import { PROVIDER_NAMES, type PaymentProvider, type ProviderName } from "./types";

export * from "./errors";
export type * from "./types";
export { PROVIDER_NAMES } from "./types";
export { activeProviderName } from "./config";

// The registry. Adding a provider = one folder under providers/ + one line here.
const providers: Partial<Record<ProviderName, PaymentProvider>> = {
  stripe: stripeProvider,
  dodo: dodoProvider,
  creem: creemProvider,
  faststar: faststarProvider,
  recur: recurProvider,
};

export function isProviderName(value: string): value is ProviderName {
  return (PROVIDER_NAMES as readonly string[]).includes(value);
}

/** A provider by name (webhook routes, stored checkouts) or the configured one. */
export function getProvider(name?: string): PaymentProvider {
  const wanted = name ?? activeProviderName();
  if (!isProviderName(wanted)) {
    throw new UnknownProviderError(wanted);
  }
  const provider = providers[wanted];
  if (!provider) {
    throw new ProviderConfigurationError(
      `The ${wanted} adapter is not available in this build (lib/payments/providers/${wanted}); set PAYMENTS_PROVIDER to one of: ${Object.keys(providers).join(", ")}.`,
      "PAYMENTS_PROVIDER",
    );
  }
  return provider;
}

/** Names with an adapter in this build. */
export function availableProviders(): ProviderName[] {
  return Object.keys(providers) as ProviderName[];
}
