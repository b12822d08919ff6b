// `saas-fulfillment/publisher`: the vendor's fulfillment service as a library (build it into your own
// process, with your own store location, hooks and logger), and the webhook verifier on its own.
export { buildPublisher, type PublisherApp } from './app.js';
export type { PublisherHandles, PublisherOptions } from './services.js';
export { createWebhookVerifier, issuersFor, WebhookAuthError, type WebhookAuthConfig, type WebhookVerifier } from './auth/webhook-verifier.js';
export { loadHooks, type ChangeRequest, type Decision, type PublisherHooks } from './fulfillment/hooks.js';
export { openPublisherStore, type PublisherStore } from './store/repository.js';
export type { LocalSubscription } from './model/subscription.js';
export type { Branding } from './model/branding.js';
export type { Entitlement } from './model/entitlements.js';
