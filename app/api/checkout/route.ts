import { currentUser } from "@/lib/auth";
import { createCheckout, parseCheckoutRequestBody } from "@/lib/billing";
import { serverEnv } from "@/lib/env";
import { MAX_CHECKOUT_BODY_BYTES, readJsonWithin } from "@/lib/http/body";
import { errorResponse, jsonError } from "@/lib/http/responses";
import { enforceCheckoutRateLimit } from "@/lib/security/checkout-rate-limit";
import { clientIp } from "@/lib/security/client-ip";
import { isSameOriginRequest } from "@/lib/security/origin";

export const dynamic = "force-dynamic";

// Vercel sets (and overwrites) this header from the client's IP; tax-computing providers
// (FastStar) need the buyer's country. Anything malformed is simply not passed on.
function buyerCountry(headers: Headers): string | undefined {
  const country = headers.get("x-vercel-ip-country")?.toUpperCase();
  return country && /^[A-Z]{2}$/.test(country) ? country : undefined;
}

export async function POST(request: Request) {
  const env = serverEnv();
  // The session cookie rides along on cross-site POSTs too: refuse them before anything else.
  if (!isSameOriginRequest(request.headers, env.APP_URL)) {
    return jsonError(403, "Checkouts can only be started from this site's own pages.", "cross_origin_request");
  }
  const user = await currentUser();
  if (!user) return jsonError(401, "Sign in to start a checkout.", "unauthenticated");
  try {
    const body = parseCheckoutRequestBody(await readJsonWithin(request, MAX_CHECKOUT_BODY_BYTES));
    await enforceCheckoutRateLimit(
      { userId: user.id, ip: clientIp(request.headers) },
      { perUser: env.CHECKOUT_RATE_LIMIT_PER_USER, perIp: env.CHECKOUT_RATE_LIMIT_PER_IP },
    );
    const checkout = await createCheckout({
      userId: user.id,
      email: user.email,
      priceId: body.priceId,
      quantity: body.quantity,
      presentation: body.presentation,
      idempotencyKey: body.idempotencyKey,
      buyerCountry: buyerCountry(request.headers),
      appUrl: env.APP_URL,
    });
    return Response.json({ id: checkout.id, url: checkout.url, presentation: checkout.presentation });
  } catch (error) {
    return errorResponse(error, "checkout");
  }
}
