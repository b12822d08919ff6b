// The purchase simulator's pages, for loopback callers only unless the emulator was started otherwise.
import { loopbackOnly } from '@saas-fulfillment/web';
import type { FastifyInstance } from 'fastify';
import { buyPages } from './buy.js';
import type { SimulatorPageDeps } from './frame.js';
import { landingPages } from './landing.js';
import { settingsPages } from './settings.js';
import { subscriptionPages } from './subscriptions.js';
import { webhookPages } from './webhooks.js';

export async function simulatorPages(app: FastifyInstance, deps: SimulatorPageDeps): Promise<void> {
  loopbackOnly(app, { allowRemote: deps.allowRemote, what: 'The purchase simulator', howToAllow: 'start the emulator with --simulator-remote to change that' });
  for (const pages of [buyPages, subscriptionPages, webhookPages, settingsPages, landingPages]) await app.register(pages, deps);
}
