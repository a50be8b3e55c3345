import type { ReturnUrlCheck } from "@/lib/billing/return-url";

/**
 * The success page's word on a signed return URL (Creem). A rejected signature is said out
 * loud; the status below it still comes from the provider's API, never from the URL.
 */
export function ReturnUrlNotice({ check, provider }: { check: ReturnUrlCheck; provider: string }) {
  if (check.status === "unsigned") return null;
  if (check.status === "verified") return <span hidden data-testid="return-url-check" data-status="verified" />;
  return (
    <div className="mx-auto max-w-xl px-4 pt-8 sm:px-6">
      <p
        role="alert"
        data-testid="return-url-check"
        data-status="rejected"
        className="rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200"
      >
        This return link&apos;s signature didn&apos;t verify, so nothing in it is trusted. The status below comes
        straight from {provider}.
      </p>
    </div>
  );
}
