// Boot-time configuration checks of each provider (pure: no SDKs, no `server-only`), so a
// deployment whose active provider lacks a key stops at start with a message naming it.
import { ProviderConfigurationError } from "./errors";
import { assertStripeConfigured } from "./providers/stripe/config";
import { assertDodoConfigured } from "./providers/dodo/config";
import { assertCreemConfigured } from "./providers/creem/config";
import { assertFaststarConfigured } from "./providers/faststar/config";
import { assertRecurConfigured } from "./providers/recur/config";
import { PROVIDER_NAMES, type ProviderName } from "./types";

type Env = Record<string, string | undefined>;

const configChecks: Partial<Record<ProviderName, (env: Env) => void>> = {
  stripe: assertStripeConfigured,
  dodo: assertDodoConfigured,
  creem: assertCreemConfigured,
  faststar: assertFaststarConfigured,
  recur: assertRecurConfigured,
};

/** The configured provider's name: PAYMENTS_PROVIDER, default "stripe". */
export function activeProviderName(env: Env = process.env): ProviderName {
  const configured = env.PAYMENTS_PROVIDER?.trim().toLowerCase() || "stripe";
  if (!(PROVIDER_NAMES as readonly string[]).includes(configured)) {
    throw new ProviderConfigurationError(
      `PAYMENTS_PROVIDER must be one of ${PROVIDER_NAMES.join(", ")} (got "${configured}").`,
      "PAYMENTS_PROVIDER",
    );
  }
  return configured as ProviderName;
}

/** Throws ProviderConfigurationError when the active provider cannot work with `env`. */
export function assertPaymentsConfigured(env: Env = process.env): ProviderName {
  const name = activeProviderName(env);
  const check = configChecks[name];
  if (!check) {
    throw new ProviderConfigurationError(
      `PAYMENTS_PROVIDER=${name}, but this build has no ${name} adapter; use one of: ${Object.keys(configChecks).join(", ")}.`,
      "PAYMENTS_PROVIDER",
    );
  }
  check(env);
  return name;
}
