// What this package's own tests and benchmarks reach beyond its public entry: parts tested on their own.
// Not a public API: names here may change or go in any release.
export { planToWire } from './catalog.js';
export type { OperationRecord, SubscriptionRecord } from './model/subscriptions.js';
export { loadOrCreateSigningKey, signingKeyFromJwk, SIGNING_KEY_SETTING } from './identity/keys.js';
export { mulberry32 } from './simulator/chaos.js';
export { globMatches } from './simulator/glob.js';
export { DocumentCache } from './store/document-cache.js';
export type { MarketplaceTables } from './store/schema.js';
export { subscriptionToWire } from './model/wire.js';
