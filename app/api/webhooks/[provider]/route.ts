import { handleWebhook } from "@/lib/billing";
import { MAX_WEBHOOK_BODY_BYTES, readTextWithin } from "@/lib/http/body";
import { errorResponse } from "@/lib/http/responses";

export const dynamic = "force-dynamic";

// Read the raw text (signatures cover the exact bytes; over 1 MB → 413 without buffering the
// rest), verify, record, apply: all in lib. 4xx: too large, bad signature or unknown provider
// (nothing written). 5xx: applying failed and rolled back, so the provider retries. 2xx:
// applied, duplicate, or recorded and ignored.
export async function POST(request: Request, { params }: { params: Promise<{ provider: string }> }) {
  const { provider } = await params;
  try {
    const rawBody = await readTextWithin(request, MAX_WEBHOOK_BODY_BYTES);
    const result = await handleWebhook(provider, rawBody, request.headers);
    return Response.json({ received: true, status: result.status });
  } catch (error) {
    return errorResponse(error, `webhook:${provider}`);
  }
}
