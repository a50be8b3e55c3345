import { handleWebhook } from "@/lib/billing";
import { errorResponse } from "@/lib/http/responses";

export const dynamic = "force-dynamic";

// Read the raw text (signatures cover the exact bytes), verify, record, apply: all in lib.
// 4xx: bad signature or unknown provider (nothing written). 5xx: applying failed and rolled
// back, so the provider retries. 2xx: applied, duplicate, or recorded and ignored.
export async function POST(request: Request, { params }: { params: Promise<{ provider: string }> }) {
  const { provider } = await params;
  try {
    const result = await handleWebhook(provider, await request.text(), request.headers);
    return Response.json({ received: true, status: result.status });
  } catch (error) {
    return errorResponse(error, `webhook:${provider}`);
  }
}
