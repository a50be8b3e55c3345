import { reconcilePendingCheckouts } from "@/lib/billing";
import { isAuthorizedCron } from "@/lib/cron";
import { errorResponse, jsonError } from "@/lib/http/responses";

export const dynamic = "force-dynamic";

// Vercel Cron (vercel.json) calls this with `Authorization: Bearer $CRON_SECRET`.
export async function GET(request: Request) {
  const authorized = isAuthorizedCron(request.headers.get("authorization"));
  if (authorized === "not-configured") return jsonError(503, "CRON_SECRET is not set: reconciliation is disabled.", "cron_not_configured");
  if (!authorized) return jsonError(401, "Missing or wrong cron secret.", "unauthorized");
  try {
    return Response.json(await reconcilePendingCheckouts({ olderThanMinutes: 5 }));
  } catch (error) {
    return errorResponse(error, "cron:reconcile");
  }
}
