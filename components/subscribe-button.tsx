"use client";

import { useRouter } from "next/navigation";
import { useRef, useState, useSyncExternalStore } from "react";
import { checkoutStatusPath } from "@/lib/billing/return-params";
import { CheckoutOverlay } from "./checkout-overlay";

type Presentation = "redirect" | "overlay";

const noSubscription = () => () => {};

type CreatedCheckout = { id: string; url: string; presentation: Presentation };

type Props = {
  priceId: string;
  quantity?: number;
  presentation?: Presentation;
  children: React.ReactNode;
  className?: string;
};

/**
 * Creates a checkout session on our server (which alone knows prices) and then either
 * navigates to the hosted page or opens it in an overlay. The server may answer "redirect"
 * even when an overlay was asked for, where the provider's page cannot be framed.
 */
export function SubscribeButton({ priceId, quantity = 1, presentation = "redirect", children, className }: Props) {
  const router = useRouter();
  // Server-rendered HTML arrives before React: until hydration a click would do nothing,
  // so the button stays disabled (and says so to assistive technology) until then.
  const hydrated = useSyncExternalStore(noSubscription, () => true, () => false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [overlay, setOverlay] = useState<CreatedCheckout | null>(null);
  // One key per intent: a double click or a retry after a network error reuses the session.
  const idempotencyKey = useRef<string | null>(null);

  async function startCheckout() {
    setPending(true);
    setError(null);
    idempotencyKey.current ??= crypto.randomUUID();
    try {
      const response = await fetch("/api/checkout", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ priceId, quantity, presentation, idempotencyKey: idempotencyKey.current }),
      });
      if (response.status === 401) {
        router.push(`/signin?callbackUrl=${encodeURIComponent(window.location.pathname)}`);
        return;
      }
      const body = await response.json().catch(() => null);
      if (!response.ok) {
        setError(body?.error ?? "Could not start checkout. Please try again.");
        setPending(false);
        return;
      }
      const checkout = body as CreatedCheckout;
      if (checkout.presentation === "overlay") {
        setOverlay(checkout);
        setPending(false);
      } else {
        window.location.assign(checkout.url);
      }
    } catch {
      setError("Network error: check your connection and try again.");
      setPending(false);
    }
  }

  return (
    <div className="flex flex-col gap-2">
      <button
        type="button"
        onClick={startCheckout}
        disabled={pending || !hydrated}
        aria-busy={pending}
        className={
          className ??
          "inline-flex w-full items-center justify-center rounded-lg bg-indigo-600 px-4 py-2.5 text-sm font-semibold text-white hover:bg-indigo-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:cursor-wait disabled:opacity-70"
        }
      >
        {pending ? "Redirecting to checkout…" : children}
      </button>
      {error ? (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {error}
        </p>
      ) : null}
      {overlay ? (
        <CheckoutOverlay
          checkoutUrl={overlay.url}
          successUrl={checkoutStatusPath(overlay.id)}
          onClose={() => {
            setOverlay(null);
            idempotencyKey.current = null;
          }}
        />
      ) : null}
    </div>
  );
}
