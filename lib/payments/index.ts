import "server-only";
import { ProviderConfigurationError, UnknownProviderError } from "./errors";
import { stripeProvider } from "./providers/stripe";
import { PROVIDER_NAMES, type PaymentProvider, type ProviderName } from "./types";

export * from "./errors";
export type * from "./types";
export { PROVIDER_NAMES } from "./types";

// The registry. Adding a provider = one folder under providers/ + one line here.
const providers: Partial<Record<ProviderName, PaymentProvider>> = {
  stripe: stripeProvider,
};

export function isProviderName(value: string): value is ProviderName {
  return (PROVIDER_NAMES as readonly string[]).includes(value);
}

/** The configured provider's name: PAYMENTS_PROVIDER, default "stripe". */
export function activeProviderName(env: Record<string, string | undefined> = process.env): ProviderName {
  const configured = env.PAYMENTS_PROVIDER?.trim().toLowerCase() || "stripe";
  if (!isProviderName(configured)) {
    throw new ProviderConfigurationError(
      `PAYMENTS_PROVIDER must be one of ${PROVIDER_NAMES.join(", ")} (got "${configured}").`,
      "PAYMENTS_PROVIDER",
    );
  }
  return configured;
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
