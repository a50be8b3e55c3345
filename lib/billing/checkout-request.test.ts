import { describe, expect, it } from "vitest";
import { parseCheckoutRequestBody } from "./checkout-request";
import { CheckoutInputError } from "./errors";

describe("inv1: the browser sends only a catalog id, a bounded quantity and a presentation", () => {
  it("accepts the minimal body and fills defaults", () => {
    expect(parseCheckoutRequestBody({ priceId: "pro_monthly" })).toEqual({
      priceId: "pro_monthly",
      quantity: 1,
      presentation: "redirect",
    });
  });

  it("refuses amounts, currencies or any other field outright", () => {
    for (const extra of [{ amount: 1 }, { unitAmount: 1 }, { currency: "jpy" }, { name: "free" }]) {
      expect(() => parseCheckoutRequestBody({ priceId: "pro_monthly", ...extra })).toThrow(CheckoutInputError);
    }
  });

  it("refuses non-JSON, missing ids, and quantities that are not whole positive numbers", () => {
    for (const body of [undefined, null, "pro_monthly", {}, { priceId: "" }, { priceId: "p", quantity: 0 }, { priceId: "p", quantity: -1 }, { priceId: "p", quantity: 1.5 }, { priceId: "p", quantity: "3" }, { priceId: "p", quantity: 1e9 }, { priceId: "p", presentation: "popup" }]) {
      expect(() => parseCheckoutRequestBody(body)).toThrow(CheckoutInputError);
    }
  });
});
