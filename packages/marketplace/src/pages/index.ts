// The purchase simulator's pages, for loopback callers only unless the emulator was started otherwise;
// every form carries a CSRF token and takes posts from the simulator's own origin only.
import { guardForms, localToolOnly } from '@saas-fulfillment/web';
import type { FastifyInstance } from 'fastify';
import { buyPages } from './buy.js';
import { controlTokenPages } from './control-token.js';
import type { SimulatorPageDeps } from './frame.js';
import { landingPages } from './landing.js';
import { requestPages } from './requests.js';
import { settingsPages } from './settings.js';
import { subscriptionPages } from './subscriptions.js';
import { webhookPages } from './webhooks.js';

export async function simulatorPages(app: FastifyInstance, deps: SimulatorPageDeps): Promise<void> {
  localToolOnly(app, deps.localTool, 'The purchase simulator', 'pages');
  await guardForms(app, deps.forms);
  await controlTokenPages(app, deps);
  for (const pages of [buyPages, subscriptionPages, webhookPages, requestPages, settingsPages, landingPages]) await app.register(pages, deps);
}
