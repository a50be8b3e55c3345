"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState, useTransition } from "react";
import { textLinkClasses } from "@/components/ui/styles";

type AutoRefreshProps = {
  /** How often the server component tree is re-rendered (each render asks the provider). */
  intervalMs?: number;
  /** When to give up and say so. */
  timeoutMs?: number;
};

/**
 * Re-renders the page on the server every ~1.5 s while a payment is being confirmed, so the
 * verified state replaces this view as soon as it is known. Stops after ~2 minutes.
 * Put it inside the page's live region: the "taking longer" note is then announced.
 */
export function AutoRefresh({ intervalMs = 1500, timeoutMs = 120_000 }: AutoRefreshProps) {
  const router = useRouter();
  const [timedOut, setTimedOut] = useState(false);
  const [refreshing, startTransition] = useTransition();
  // Read by the timer: a slow render (the provider being slow) is never stacked with another.
  const refreshingRef = useRef(false);

  useEffect(() => {
    refreshingRef.current = refreshing;
  }, [refreshing]);

  useEffect(() => {
    const startedAt = Date.now();
    const timer = window.setInterval(() => {
      if (Date.now() - startedAt >= timeoutMs) {
        window.clearInterval(timer);
        setTimedOut(true);
        return;
      }
      // A background tab does not need fresh state; it catches up on the next tick.
      if (document.visibilityState === "hidden" || refreshingRef.current) return;
      startTransition(() => router.refresh());
    }, intervalMs);
    return () => window.clearInterval(timer);
  }, [router, intervalMs, timeoutMs]);

  if (!timedOut) return null;
  return (
    <p className="rounded-lg border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100">
      This is taking longer than usual — we&apos;ll email you when your payment is confirmed, or check{" "}
      <Link href="/account/billing" className={textLinkClasses}>
        Billing
      </Link>{" "}
      in a few minutes.
    </p>
  );
}
