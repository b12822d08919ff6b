// Every refusal the publisher answers with, built in one place: the JSON APIs' `{ code, message, target }`
// bodies and the console's messages read alike, and a caller can switch on the code.
import type { MarketplaceError } from '@saas-fulfillment/client';
import { ApiError } from '@saas-fulfillment/contract';

export const PublisherErrors = {
  subscriptionNotFound: (id: string) => new ApiError(404, 'EntityNotFound', `No subscription ${id} is known here`, 'subscriptionId'),
  jobNotFound: (id: string) => new ApiError(404, 'EntityNotFound', `No waiting or failed job ${id}`, 'jobId'),
  /** A change Microsoft refused: its reason, as a 4xx of ours. */
  marketplaceRefused: (error: MarketplaceError) =>
    new ApiError(error.status === 404 ? 404 : 400, error.code, `The marketplace refused: ${error.message}`, error.target),
  plansUnavailable: () => new ApiError(503, 'MarketplaceUnavailable', "Microsoft's plan list could not be read; try again"),

  signInFirst: () => new ApiError(401, 'Unauthorized', 'Sign in at /admin/login first'),
  signInExpired: (startedElsewhere: boolean) =>
    new ApiError(
      400,
      'SignInExpired',
      startedElsewhere ? 'The sign-in took too long or was started elsewhere; please sign in again' : 'The sign-in took too long; please sign in again',
    ),
  signInFailed: (why: 'not confirmed' | 'no ID token') =>
    new ApiError(
      401,
      'SignInFailed',
      why === 'not confirmed' ? 'Microsoft did not confirm the sign-in; please try again' : 'Microsoft sent no ID token; please try again',
    ),

  webhookUnauthorized: (reason: string) => new ApiError(401, 'Unauthorized', `The webhook's bearer token is not valid: ${reason}`),
  metricsLocalOnly: () => new ApiError(403, 'Forbidden', '/metrics answers this machine only; set METRICS_TOKEN to let a scraper elsewhere read it'),
  usageKeyMissing: () => new ApiError(401, 'Unauthorized', 'Send the application API key, or your tenant key, as a Bearer token'),
  keyMissing: (what: string) => new ApiError(401, 'Unauthorized', `Send ${what} as a Bearer token`, 'authorization'),
  tooManyWrongKeys: (retryAfterSeconds: number) =>
    new ApiError(429, 'TooManyWrongKeys', `Too many wrong keys from this address: try again in ${retryAfterSeconds} seconds`, 'authorization'),
  /** A usage record refused: the status and code the ingestion chose, naming the field. */
  usageRefused: (error: { httpStatus: number; code: string; message: string; field: string }) =>
    new ApiError(error.httpStatus, error.code, error.message, error.field),
} as const;
