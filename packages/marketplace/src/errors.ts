// Every error the emulated marketplace API answers with, built in one place with the codes and wording
// of Microsoft's pages (reference §10) so that publishers see what production would tell them.
import { ApiError } from '@saas-fulfillment/contract';
import { API_VERSION } from '@saas-fulfillment/contract';

export const MarketplaceErrors = {
  apiVersionMissing: () => new ApiError(400, 'ApiVersionUnspecified', 'An API version is required, but was not specified.', 'api-version'),
  apiVersionUnsupported: (url: string, version: string) =>
    new ApiError(
      400,
      'UnsupportedApiVersion',
      `The HTTP resource that matches the request URI '${url}' does not support the API version '${version}'. Use ${API_VERSION}.`,
      'api-version',
    ),
  forbidden: (reason: string) => new ApiError(403, 'Forbidden', reason),
  notYourSubscription: (id: string) =>
    new ApiError(403, 'Forbidden', `Subscription ${id} belongs to an offer that is not registered to the calling application`, 'subscriptionId'),

  tokenHeaderMissing: () => new ApiError(400, 'HeaderNotPresent', 'Mandatory header missing', 'x-ms-marketplace-token'),
  tokenInvalid: () => new ApiError(400, 'InvalidValue', 'Failed to decode token: the marketplace token is malformed or unknown', 'x-ms-marketplace-token'),
  tokenExpired: () =>
    new ApiError(
      400,
      'InvalidValue',
      'The marketplace token has expired. Open the subscription in the Azure portal or Microsoft 365 admin center and choose Configure / Manage account for a new one.',
      'x-ms-marketplace-token',
    ),

  subscriptionNotFound: (id: string) => new ApiError(404, 'EntityNotFound', `Subscription ${id} not found`, 'subscriptionId'),
  operationNotFound: (id: string) => new ApiError(404, 'EntityNotFound', `Operation ${id} not found`, 'operationId'),

  planIdRequired: () => new ApiError(400, 'BadArgument', 'planId is required', 'planId'),
  planMismatch: (sent: string, purchased: string) =>
    new ApiError(400, 'BadArgument', `planId '${truncate(sent)}' is not the purchased plan '${purchased}'`, 'planId'),
  quantityMismatch: (sent: number, purchased: number | undefined) =>
    new ApiError(400, 'BadArgument', `quantity ${sent} is not the purchased quantity ${purchased ?? '(none: the plan is not priced per seat)'}`, 'quantity'),
  notPending: (status: string) =>
    new ApiError(400, 'BadRequest', `Subscription is ${status}; only a PendingFulfillmentStart subscription can be activated`, 'saasSubscriptionStatus'),
  unsubscribedCannotActivate: (id: string) =>
    new ApiError(404, 'EntityNotFound', `Subscription ${id} is Unsubscribed and cannot be activated`, 'subscriptionId'),

  patchNothing: () => new ApiError(400, 'BadArgument', 'Send planId or quantity to change', 'body'),
  patchBoth: () => new ApiError(400, 'BadArgument', 'Cannot patch more than one field in the same request', 'body'),
  notActive: (status: string) => new ApiError(400, 'BadRequest', `Subscription is not active (status ${status})`, 'update'),
  operationNotAllowed: (operation: 'Update' | 'Delete') =>
    new ApiError(400, 'BadRequest', `${operation} is not among the subscription's allowedCustomerOperations`, operation === 'Update' ? 'update' : 'delete'),
  locked: () => new ApiError(400, 'Failed', 'Patch cannot be completed because the subscription is locked due to pending operations', 'update'),
  alreadyUnsubscribed: (id: string) => new ApiError(400, 'BadRequest', `Subscription ${id} is already Unsubscribed`, 'subscriptionId'),
  planNotAvailable: (planId: string) => new ApiError(400, 'BadArgument', `Plan '${truncate(planId)}' is not available to this subscription`, 'planId'),
  samePlan: (planId: string) =>
    new ApiError(
      400,
      'BadArgument',
      `The subscription is already subscribed to plan ${planId}. Changing plans only supported between two different plans`,
      'planId',
    ),
  notPerSeat: (planId: string) => new ApiError(400, 'BadArgument', `Plan ${planId} is not priced per seat; it has no quantity`, 'quantity'),
  quantityOutOfRange: (quantity: number, min: number, max: number) =>
    new ApiError(400, 'BadArgument', `quantity ${quantity} is outside the plan's limits ${min}..${max}`, 'quantity'),
  sameQuantity: (quantity: number) => new ApiError(400, 'BadArgument', `The subscription already has quantity ${quantity}`, 'quantity'),

  notAcknowledgeable: (action: string) => new ApiError(400, 'BadRequest', `${action} is a notification only; it cannot be acknowledged`, 'operationId'),
  partnerOperation: () =>
    new ApiError(400, 'BadRequest', 'This operation was started by the publisher (operationRequestSource Partner); it cannot be acknowledged', 'operationId'),
  operationCompleted: (status: string) =>
    new ApiError(409, 'Conflict', `The operation is already ${status}; a newer update is already fulfilled`, 'operationId'),
  ackMismatch: (field: 'planId' | 'quantity', sent: unknown, expected: unknown) =>
    new ApiError(400, 'BadArgument', `${field} ${String(sent)} does not match the operation's ${field} ${String(expected)}`, field),

  publisherNotFound: (id: string) => new ApiError(404, 'EntityNotFound', `No publisher ${id} in the catalog`, 'publisherId'),
  invalidContinuation: () => new ApiError(400, 'BadArgument', 'continuationToken is not one this API issued; follow @nextLink as given', 'continuationToken'),
} as const;

function truncate(value: string, max = 80): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}
