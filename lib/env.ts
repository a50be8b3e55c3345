import "server-only";
import { parseServerEnv, type ServerEnv } from "./env-schema";

// Validated once, on first use; instrumentation.ts touches it at boot so a bad value stops
// the server with a message naming the variable instead of failing on the first request.
let cached: ServerEnv | undefined;

export function serverEnv(): ServerEnv {
  cached ??= parseServerEnv(process.env);
  return cached;
}
