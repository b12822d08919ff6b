// The purchase simulator's pages, for loopback callers only unless the emulator was started otherwise.
import type { FastifyInstance } from 'fastify';
import { buyPages } from './buy.js';
import { landingPages } from './landing.js';
import { settingsPages } from './settings.js';
import { guardLoopback, type SimulatorPageDeps } from './shell.js';
import { subscriptionPages } from './subscriptions.js';
import { webhookPages } from './webhooks.js';

export type { SimulatorPageDeps };

export async function simulatorPages(app: FastifyInstance, deps: SimulatorPageDeps): Promise<void> {
  guardLoopback(app, deps.allowRemote);
  for (const pages of [buyPages, subscriptionPages, webhookPages, settingsPages, landingPages]) await app.register(pages, deps);
}
