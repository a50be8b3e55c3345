import "server-only";
import { httpErrorFor } from "@/lib/payments/errors";

/** Maps a thrown domain error to its HTTP answer; anything unexpected is logged and is a 500. */
export function errorResponse(error: unknown, context: string): Response {
  const { status, body } = httpErrorFor(error);
  if (status >= 500) console.error(`[${context}]`, error);
  return Response.json(body, { status });
}

export function jsonError(status: number, error: string, code: string): Response {
  return Response.json({ error, code }, { status });
}

/** The request body as JSON, or undefined when it is not valid JSON. */
export async function readJson(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    return undefined;
  }
}
