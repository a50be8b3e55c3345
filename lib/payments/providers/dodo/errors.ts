import { PaymentsError } from "../../errors";

/**
 * A checkout request Dodo would refuse for its shape — mixing one-time and subscription
 * products in one cart, a mode that does not match the cart, `confirm` without the billing
 * data it needs — refused here, before the provider is called. 400: the request is wrong,
 * not the provider's answer.
 */
export class DodoCheckoutRequestError extends PaymentsError {
  readonly status = 400;
  readonly code = "invalid_checkout_request";
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "DodoCheckoutRequestError";
  }
}
