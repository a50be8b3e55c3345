import { describe, expect, it } from "vitest";
import { parseOverlayCompletion } from "./overlay-messages";

const checkoutUrl = "http://127.0.0.1:4010/pay/stripe/cs_test_1";

describe("overlay completion messages", () => {
  it("accepts the sandbox and Creem shapes from the checkout's own origin", () => {
    expect(
      parseOverlayCompletion(
        { origin: "http://127.0.0.1:4010", data: { source: "checkout-sandbox", type: "checkout.completed", redirectUrl: "/x" } },
        checkoutUrl,
      ),
    ).toEqual({ redirectUrl: "/x" });
    expect(
      parseOverlayCompletion({ origin: "http://127.0.0.1:4010", data: { source: "creem-embed", version: 1, type: "completed" } }, checkoutUrl),
    ).toEqual({ redirectUrl: undefined });
  });

  it("ignores messages from any other origin, even well-formed ones", () => {
    const data = { source: "checkout-sandbox", type: "checkout.completed" };
    expect(parseOverlayCompletion({ origin: "http://127.0.0.1:4011", data }, checkoutUrl)).toBeNull();
    expect(parseOverlayCompletion({ origin: "https://evil.example", data }, checkoutUrl)).toBeNull();
  });

  it("ignores other message shapes", () => {
    for (const data of [null, "completed", { type: "checkout.completed" }, { source: "creem-embed", type: "ready" }]) {
      expect(parseOverlayCompletion({ origin: "http://127.0.0.1:4010", data }, checkoutUrl)).toBeNull();
    }
  });
});
