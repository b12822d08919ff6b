// `@saas-fulfillment/client`: the typed client of Microsoft's marketplace APIs, usable on its own (it brings the contract's types with it).
export {
  MarketplaceClient,
  PRODUCTION_API,
  type AcceptedOperation,
  type CallOptions,
  type AttemptObserver,
  type AttemptSeen,
  type ClientLogger,
  type MarketplaceClientOptions,
  type UsageQuery,
} from './marketplace-client.js';
export type { UsageEventResult } from './metering.js';
export {
  ClientSecretCredential,
  EntraCredential,
  StaticTokenCredential,
  PRODUCTION_AUTHORITY,
  type ClientSecretCredentialOptions,
  type CredentialHealth,
  type EntraCredentialOptions,
  type TokenCredential,
} from './credentials.js';
export {
  ClientCertificateCredential,
  WorkloadIdentityCredential,
  type ClientCertificateCredentialOptions,
  type WorkloadIdentityCredentialOptions,
} from './assertions.js';
export { AuthenticationError, MarketplaceError } from './errors.js';
export { landingPageToken } from './landing.js';
export { DEFAULT_RETRY, type RetryPolicy } from './retry.js';
export { readQuantity } from './parse.js';
export * from '@saas-fulfillment/contract';
