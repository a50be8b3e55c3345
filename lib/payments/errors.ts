// Typed errors of the payments core. Each carries the HTTP status a route handler should
// answer with (`status`) and a stable `code`; `httpErrorFor` turns any thrown value into
// { status, body } so route handlers stay free of business logic. No secrets in messages.

export abstract class PaymentsError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  /** Whether `message` may be shown to the browser as is. */
  readonly expose: boolean = true;
}

/** Missing or malformed provider configuration (a variable is named). Fail closed: 500. */
export class ProviderConfigurationError extends PaymentsError {
  readonly status = 500;
  readonly code = "provider_configuration";
  override readonly expose = false;
  constructor(
    message: string,
    readonly variable?: string,
  ) {
    super(message);
    this.name = "ProviderConfigurationError";
  }
}

/** Network error, timeout, 429 or 5xx from the provider: try again later. 502. */
export class ProviderUnavailableError extends PaymentsError {
  readonly status = 502;
  readonly code = "provider_unavailable";
  constructor(
    readonly provider: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ProviderUnavailableError";
  }
}

/** The provider rejected our request (4xx): a mapping or configuration bug on our side. 502. */
export class ProviderRequestError extends PaymentsError {
  readonly status = 502;
  readonly code = "provider_request_rejected";
  constructor(
    readonly provider: string,
    message: string,
    readonly providerStatus?: number,
    readonly providerCode?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ProviderRequestError";
  }
}

/** The request needs something the provider cannot do (overlay, units, trials …). 422. */
export class UnsupportedFeatureError extends PaymentsError {
  readonly status = 422;
  readonly code = "unsupported_feature";
  constructor(
    readonly provider: string,
    readonly feature: string,
    message?: string,
  ) {
    super(message ?? `${provider} does not support ${feature}`);
    this.name = "UnsupportedFeatureError";
  }
}

/** A webhook whose signature is missing, invalid or expired, or whose body is malformed. 400. */
export class WebhookVerificationError extends PaymentsError {
  readonly status = 400;
  readonly code = "webhook_verification_failed";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "WebhookVerificationError";
  }
}

/** A signed return URL (Creem) whose signature does not match. 400. */
export class ReturnUrlVerificationError extends PaymentsError {
  readonly status = 400;
  readonly code = "return_url_verification_failed";
  constructor(message: string) {
    super(message);
    this.name = "ReturnUrlVerificationError";
  }
}

export type HttpError = { status: number; body: { error: string; code: string } };

/** Maps anything thrown by lib/payments or lib/billing to an HTTP answer. Unknown → 500. */
export function httpErrorFor(error: unknown): HttpError {
  if (error instanceof PaymentsError) {
    const message = error.expose ? error.message : "The payment provider is not configured correctly.";
    return { status: error.status, body: { error: message, code: error.code } };
  }
  return { status: 500, body: { error: "Internal error", code: "internal" } };
}

/** A webhook route for a provider name we do not know. 404. */
export class UnknownProviderError extends PaymentsError {
  readonly status = 404;
  readonly code = "unknown_provider";
  constructor(readonly provider: string) {
    super(`Unknown payment provider "${provider}".`);
    this.name = "UnknownProviderError";
  }
}
