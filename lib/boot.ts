import { InvalidEnvironmentError, parseServerEnv } from "./env-schema";
import { assertPaymentsConfigured } from "./payments/config";

/** Stops a misconfigured server at boot with a message naming the bad variable. */
export function validateEnvironmentAtBoot(): void {
  try {
    parseServerEnv(process.env);
    assertPaymentsConfigured(process.env);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`\n${error instanceof InvalidEnvironmentError ? message : `Invalid configuration: ${message}`}\n`);
    process.exit(1);
  }
}
