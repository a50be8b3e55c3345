import { parseServerEnv } from "./env-schema";

/** Stops a misconfigured server at boot with a message naming each bad variable. */
export function validateEnvironmentAtBoot(): void {
  try {
    parseServerEnv(process.env);
  } catch (error) {
    console.error(`\n${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
