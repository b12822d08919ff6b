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
  // The simulator's control API: a customer's purchase or action, and the tools.
  offerNotInCatalog: (offerId: string, offers: readonly string[] = []) =>
    new ApiError(
      400,
      'BadArgument',
      `Offer '${truncate(offerId)}' is not in the catalog${offers.length ? ` (its offers: ${offers.join(', ')})` : ''}`,
      'offerId',
    ),
  planNotInOffer: (planId: string, offerId: string, plans: readonly string[] = []) =>
    new ApiError(
      400,
      'BadArgument',
      `Plan '${truncate(planId)}' is not a plan of offer ${truncate(offerId)}${plans.length ? ` (its plans: ${plans.join(', ')})` : ''}`,
      'planId',
    ),
  planStopSold: (planId: string) => new ApiError(400, 'BadArgument', `Plan '${planId}' is no longer sold`, 'planId'),
  noBillingTerm: (planId: string) => new ApiError(400, 'BadArgument', `Plan '${planId}' has no billing term`, 'termUnit'),
  termNotSold: (planId: string, termUnit: string) => new ApiError(400, 'BadArgument', `Plan '${planId}' is not sold with term ${termUnit}`, 'termUnit'),
  noFreeTrial: (planId: string) => new ApiError(400, 'BadArgument', `Plan '${planId}' has no free trial`, 'isFreeTrial'),
  privatePlan: (planId: string, tenantId: string | undefined) =>
    new ApiError(400, 'BadArgument', `Plan '${planId}' is private and not offered to tenant ${tenantId}`, 'planId'),
  flatPlanQuantity: (planId: string) => new ApiError(400, 'BadArgument', `Plan '${planId}' is not priced per seat; do not send quantity`, 'quantity'),
  quantityRequired: () => new ApiError(400, 'BadArgument', 'quantity is required', 'quantity'),
  actionNotPossible: (action: string, status: string) =>
    new ApiError(400, 'BadRequest', `${action} is not possible while the subscription is ${status}`, 'action'),
  simulatorSubscriptionNotFound: (id: string) => new ApiError(404, 'EntityNotFound', `Subscription ${id} not found`, 'subscriptionId'),
  deliveryNotFound: (id: string) => new ApiError(404, 'EntityNotFound', `Delivery ${id} not found`, 'deliveryId'),
  publisherGone: (id: string) => new ApiError(404, 'EntityNotFound', `Publisher ${id} is no longer in the catalog`, 'publisherId'),
  inboxEntryNotFound: (id: string) => new ApiError(404, 'EntityNotFound', `No inbox entry ${id}`, 'entryId'),
  nothingToAcknowledge: () => new ApiError(400, 'BadRequest', 'This delivery names no operation to acknowledge', 'entryId'),
  faultEmpty: () => new ApiError(400, 'BadArgument', 'Give a status, a delayMs, an answerDelayMs or lostAnswer', 'status'),
  faultStatusAndAfter: () => new ApiError(400, 'BadArgument', 'A call answered with a fault status is not carried out', 'status'),
  badDuration: (advanceBy: string) =>
    new ApiError(400, 'BadArgument', `advanceBy must be an ISO 8601 duration such as PT10S, P1D or P1M; got '${truncate(advanceBy)}'`, 'advanceBy'),
  badEndpoint: (name: 'webhookUrl' | 'landingPageUrl') =>
    new ApiError(400, 'BadArgument', `${name === 'webhookUrl' ? 'Webhook' : 'Landing page'} must be an http(s) URL, or empty for the default`, name),
  documentInvalid: (field: string, message: string) => new ApiError(400, 'BadArgument', `${field}: ${message}`, field),
  stateFromLaterVersion: (version: number, known: number) =>
    new ApiError(400, 'BadArgument', `This state document is version ${version}, made by a later emulator; this one reads versions 1 to ${known}`, 'version'),
  catalogDiffers: (what: string) =>
    new ApiError(
      409,
      'Conflict',
      `${what} was made against another catalog than this emulator runs: start the emulator with it (--import or --seed load the document's catalog), or leave the catalog out`,
      'catalog',
    ),

  // The Metering Service API.
  usageForbidden: (message: string, target: string | undefined) => new ApiError(403, 'Forbidden', message, target),
  usageRefused: (status: string, message: string, target: string | undefined) =>
    new ApiError(400, status, message, target, [{ code: status, message, target }]),
  usageStartRequired: () => new ApiError(400, 'BadArgument', 'usageStartDate is required', 'usageStartDate'),
  usageRangeEmpty: () => new ApiError(400, 'BadArgument', 'UsageEndDate must be after usageStartDate', 'UsageEndDate'),
  usageDate: (field: string) =>
    new ApiError(400, 'BadArgument', `${field} must be an ISO 8601 date or date-time, such as 2020-12-03 or 2020-12-03T15:00`, field),

  /** A fault of ours: a stored record names a publisher the catalog no longer has. */
  catalogChanged: (publisherId: string) => new ApiError(500, 'InternalError', `Publisher ${publisherId} is no longer in the catalog`),
  invalidContinuation: () => new ApiError(400, 'BadArgument', 'continuationToken is not one this API issued; follow @nextLink as given', 'continuationToken'),
} as const;

function truncate(value: string, max = 80): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}

/**
 * A refusal in Entra's words: the OAuth `error`, the AADSTS code and its description, as Entra's token
 * endpoint and sign-in page give them (clients written against Entra parse these).
 */
export class EntraError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly aadsts: number,
    description: string,
  ) {
    super(description);
  }
}

const entra = (error: string, aadsts: number, description: string, status = 400) => new EntraError(status, error, aadsts, description);
const invalidClient = (aadsts: number, description: string) => entra('invalid_client', aadsts, description, 401);

/** Every refusal of the Entra stand-in (token endpoints and sign-in), with Entra's codes. */
export const EntraErrors = {
  missingParameter: (name: string) => entra('invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`),
  notAForm: () =>
    entra('invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'. Send it as application/x-www-form-urlencoded."),
  unsupportedGrant: (grant: string | undefined) =>
    entra(
      'unsupported_grant_type',
      70003,
      `The app requested an unsupported grant type '${grant}'. Supported: client_credentials (v1 and v2.0), authorization_code (v2.0).`,
    ),
  tenantNotFound: (tenantId: string) => entra('invalid_request', 90002, `Tenant '${tenantId}' not found. Check to make sure you have the correct tenant ID.`),
  appNotFound: (clientId: string | undefined, tenantId: string) =>
    entra('unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${tenantId}'.`),
  noClientCredential: () => invalidClient(7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."),
  wrongClientSecret: (clientId: string) =>
    invalidClient(
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
    ),
  assertionType: (expected: string) => entra('invalid_request', 50027, `client_assertion_type must be '${expected}'.`),
  assertionMalformed: () => invalidClient(50027, 'JWT token is invalid or malformed: client_assertion is not a signed JWT.'),
  certificateNotRegistered: (thumbprint: string, clientId: string) =>
    invalidClient(
      700027,
      `Client assertion failed signature validation: the certificate with thumbprint '${thumbprint}' is not registered on app '${clientId}'.`,
    ),
  certificateExpired: (validTo: string) =>
    invalidClient(700027, `Client assertion failed signature validation: the certificate expired on ${new Date(validTo).toISOString()}.`),
  noFederatedMatch: (claim: 'issuer' | 'subject' | 'audience', value: string) =>
    invalidClient(
      { issuer: 700211, subject: 700213, audience: 700212 }[claim],
      `No matching federated identity record found for presented assertion ${claim} '${value.slice(0, 200)}'.`,
    ),
  assertionExpired: () => invalidClient(700024, 'Client assertion is not within its valid time range.'),
  assertionReplayed: () =>
    invalidClient(
      50027,
      "JWT token is invalid or malformed: this client assertion's jti was already used; sign a new assertion, with a new jti, for each token request.",
    ),
  assertionWithoutId: () => invalidClient(50027, "JWT token is invalid or malformed: the client assertion has no 'jti' claim."),
  assertionWithoutExpiry: () => invalidClient(50027, "JWT token is invalid or malformed: the client assertion has no 'exp' claim."),
  assertionAudience: (endpoint: string) => invalidClient(700023, `Client assertion audience claim does not match the token endpoint ${endpoint}.`),
  assertionClaim: (claim: string, expected: string | undefined) =>
    invalidClient(700021, `Client assertion ${claim} claim does not match: expected '${expected}'.`),
  assertionSignature: (reason: string) => invalidClient(700027, `Client assertion failed signature validation (${reason}).`),
  resourceNotFound: (resource: string, marketplace: string) =>
    entra('invalid_resource', 500011, `The resource principal named ${resource} was not found in the tenant. The marketplace API is ${marketplace}.`),
  invalidScope: (scope: string, marketplace: string) =>
    entra(
      'invalid_scope',
      1002012,
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (${marketplace}/.default).`,
    ),
  outage: () => entra('temporarily_unavailable', 90033, 'A transient error has occurred. Please try again. (chaos)', 503),

  // User sign-in (the authorize page and the code it hands out).
  signInTenantNotFound: (tenantId: string) => entra('invalid_tenant', 90002, `Tenant '${tenantId}' not found. Check the tenant id in the sign-in URL.`),
  redirectNotRegistered: (redirectUri: string, clientId: string, registered: readonly string[]) =>
    entra(
      'invalid_request',
      50011,
      `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${clientId}': ${registered.join(', ')}.`,
    ),
  scopeWithoutOpenId: () => entra('invalid_scope', 70011, "The scope must include 'openid'."),
  responseType: () => entra('unsupported_response_type', 700054, "response_type must be 'code'."),
  email: () => entra('invalid_request', 50126, 'Enter a valid e-mail address.'),
  codeUnknown: () => entra('invalid_grant', 70008, 'The provided authorization code is expired, used or unknown.'),
  codeOfAnotherApp: () => entra('invalid_grant', 70000, 'The code was issued to another application.'),
  redirectMismatch: () => entra('invalid_grant', 50148, 'The redirect_uri does not match the one in the authorization request.'),
  pkceMismatch: () => entra('invalid_grant', 501481, 'The code_verifier does not match the code_challenge.'),
} as const;
