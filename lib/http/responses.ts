import "server-only";
import { httpErrorFor } from "@/lib/payments/errors";
import { RateLimitedError } from "@/lib/security/rate-limit";

/** Maps a thrown domain error to its HTTP answer; anything unexpected is logged and is a 500. */
export function errorResponse(error: unknown, context: string): Response {
  const { status, body } = httpErrorFor(error);
  if (status >= 500) console.error(`[${context}]`, error);
  const headers = error instanceof RateLimitedError ? { "Retry-After": String(error.retryAfterSeconds) } : undefined;
  return Response.json(body, { status, headers });
}

export function jsonError(status: number, error: string, code: string): Response {
  return Response.json({ error, code }, { status });
}
