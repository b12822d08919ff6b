// The client's errors: one for every failed marketplace call, one for a refused token request. Both
// carry what a person needs to find the cause (status, code, target, request and correlation ids).

export interface MarketplaceErrorDetails {
  status: number;
  code: string;
  target?: string | undefined;
  requestId: string;
  correlationId: string;
  /** The client method that failed, e.g. `activate`. */
  method: string;
  /** How many attempts were made, retries included. */
  attempts: number;
}

/**
 * A marketplace API call that failed: an error answer (`status` >= 400), or no answer at all
 * (`status` 0, `code` `NetworkError` or `Timeout`).
 *
 * @example
 * try { await client.activate(id, { planId }) }
 * catch (e) { if (e instanceof MarketplaceError && e.status === 400) console.log(e.code, e.target) }
 */
export class MarketplaceError extends Error {
  override readonly name = 'MarketplaceError';
  readonly status: number;
  readonly code: string;
  readonly target: string | undefined;
  readonly requestId: string;
  readonly correlationId: string;
  readonly method: string;
  readonly attempts: number;

  constructor(message: string, details: MarketplaceErrorDetails, options?: { cause?: unknown }) {
    super(message, options);
    this.status = details.status;
    this.code = details.code;
    this.target = details.target;
    this.requestId = details.requestId;
    this.correlationId = details.correlationId;
    this.method = details.method;
    this.attempts = details.attempts;
  }
}

/**
 * Entra ID refused to issue a token. `aadsts` is Entra's numeric error (7000215: wrong secret,
 * 7000222: expired secret, 700016: app not in the tenant, 90002: tenant not found) and `hint` says
 * what to change.
 */
export class AuthenticationError extends Error {
  override readonly name = 'AuthenticationError';
  constructor(
    message: string,
    readonly status: number,
    readonly error: string,
    readonly aadsts: number | undefined,
    readonly hint: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
