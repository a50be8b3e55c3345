import { currentUser } from "@/lib/auth";
import { createCheckout, parseCheckoutRequestBody } from "@/lib/billing";
import { serverEnv } from "@/lib/env";
import { errorResponse, jsonError, readJson } from "@/lib/http/responses";

export const dynamic = "force-dynamic";

// Vercel sets (and overwrites) this header from the client's IP; tax-computing providers
// (FastStar) need the buyer's country. Anything malformed is simply not passed on.
function buyerCountry(headers: Headers): string | undefined {
  const country = headers.get("x-vercel-ip-country")?.toUpperCase();
  return country && /^[A-Z]{2}$/.test(country) ? country : undefined;
}

export async function POST(request: Request) {
  const user = await currentUser();
  if (!user) return jsonError(401, "Sign in to start a checkout.", "unauthenticated");
  try {
    const body = parseCheckoutRequestBody(await readJson(request));
    const checkout = await createCheckout({
      userId: user.id,
      email: user.email,
      priceId: body.priceId,
      quantity: body.quantity,
      presentation: body.presentation,
      idempotencyKey: body.idempotencyKey,
      buyerCountry: buyerCountry(request.headers),
      appUrl: serverEnv().APP_URL,
    });
    return Response.json({ id: checkout.id, url: checkout.url, presentation: checkout.presentation });
  } catch (error) {
    return errorResponse(error, "checkout");
  }
}
