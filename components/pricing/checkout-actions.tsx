"use client";

import { useId, useState } from "react";
import { SubscribeButton } from "@/components/subscribe-button";
import { buttonClasses, inputClasses } from "@/components/ui/styles";

type Props = {
  priceId: string;
  label: string;
  minQuantity: number;
  maxQuantity: number;
  quantityLabel: string;
  overlay: boolean;
};

/** Quantity (where the price allows more than one) and the checkout buttons of a card. */
export function CheckoutActions({ priceId, label, minQuantity, maxQuantity, quantityLabel, overlay }: Props) {
  const [quantity, setQuantity] = useState(minQuantity);
  const quantityId = useId();
  const choices = Array.from({ length: maxQuantity - minQuantity + 1 }, (_, index) => minQuantity + index);
  return (
    <div className="flex w-full flex-col gap-2">
      {maxQuantity > minQuantity ? (
        <div className="flex items-center gap-3">
          <label htmlFor={quantityId} className="text-sm font-medium">
            {quantityLabel}
          </label>
          <select
            id={quantityId}
            value={quantity}
            onChange={(event) => setQuantity(Number(event.target.value))}
            className={`${inputClasses} w-24`}
          >
            {choices.map((choice) => (
              <option key={choice} value={choice}>
                {choice}
              </option>
            ))}
          </select>
        </div>
      ) : null}
      <SubscribeButton priceId={priceId} quantity={quantity} className={buttonClasses("primary", "w-full")}>
        {label}
      </SubscribeButton>
      {overlay ? (
        <SubscribeButton
          priceId={priceId}
          quantity={quantity}
          presentation="overlay"
          className={buttonClasses("ghost", "w-full")}
        >
          {label} in overlay
        </SubscribeButton>
      ) : null}
    </div>
  );
}
