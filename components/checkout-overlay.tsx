"use client";

import { useEffect, useRef } from "react";
import { parseOverlayCompletion } from "@/lib/payments/overlay-messages";

type Props = { checkoutUrl: string; successUrl: string; onClose: () => void };

/**
 * The hosted checkout in a modal <dialog>. showModal() makes the page behind inert (focus
 * stays inside) and Escape closes it. Completion is accepted only from the checkout's origin,
 * and only leads to our success page, which verifies the payment with the provider.
 */
export function CheckoutOverlay({ checkoutUrl, successUrl, onClose }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    const onMessage = (event: MessageEvent) => {
      if (parseOverlayCompletion(event, checkoutUrl)) window.location.assign(successUrl);
    };
    window.addEventListener("message", onMessage);
    return () => window.removeEventListener("message", onMessage);
  }, [checkoutUrl, successUrl]);

  return (
    <dialog
      ref={dialog}
      aria-label="Checkout"
      onClose={onClose}
      className="m-auto h-[min(90vh,760px)] w-[min(96vw,560px)] overflow-hidden rounded-2xl bg-white p-0 shadow-2xl backdrop:bg-black/60 dark:bg-zinc-900"
    >
      <div className="flex h-full flex-col">
        <div className="flex items-center justify-between border-b border-zinc-200 px-4 py-2 dark:border-zinc-800">
          <span className="text-sm font-medium text-zinc-700 dark:text-zinc-200">Secure checkout</span>
          <button
            type="button"
            onClick={() => dialog.current?.close()}
            className="rounded-md px-2 py-1 text-sm text-zinc-600 hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-indigo-600 dark:text-zinc-300 dark:hover:bg-zinc-800"
          >
            Close<span className="sr-only"> checkout</span>
          </button>
        </div>
        <iframe
          src={checkoutUrl}
          title="Hosted checkout"
          className="w-full flex-1 border-0"
          allow="payment"
        />
      </div>
    </dialog>
  );
}
