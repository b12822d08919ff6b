// buildMarketplace: the emulator as one Fastify instance (fulfillment and metering APIs under /api,
// Entra-style identity at the root, simulator control API and pages) plus its background work: the
// services wired in services.ts, what answers requests registered by http.ts, and a shutdown that drains.
import type { FastifyInstance } from 'fastify';
import { isDatabaseUnavailable } from '@saas-fulfillment/store';
import { createServer, drainOnClose } from '@saas-fulfillment/web';
import { registerHttp } from './http.js';
import { createServices, type MarketplaceHandles, type MarketplaceOptions } from './services.js';

/** The shortest control token taken: guessing 16 characters over HTTP is beyond anyone's patience. */
const MIN_CONTROL_TOKEN = 16;

export type MarketplaceApp = FastifyInstance & { marketplace: MarketplaceHandles };

export async function buildMarketplace(options: MarketplaceOptions): Promise<MarketplaceApp> {
  if (options.controlToken !== undefined && options.controlToken.length < MIN_CONTROL_TOKEN)
    throw new RangeError(
      `controlToken must be at least ${MIN_CONTROL_TOKEN} characters: it is the one thing between other users of the machine and the simulator`,
    );
  const app = createServer({
    logger: options.logger,
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    https: options.https,
    maxParamLength: 200,
    isUnavailable: isDatabaseUnavailable,
  });
  const closing = new AbortController();
  const services = await createServices(options, app, closing.signal);
  const drain = drainOnClose(app, services.worker, { closing, graceMs: options.closeGraceMs, onClosed: options.onClose });
  const { identityClock: _, signIn: __, closing: ___, directory: ____, ...handles } = services;
  app.decorate('marketplace', { ...handles, cutShort: drain.cutShort } satisfies MarketplaceHandles);
  await registerHttp(app, services, options);
  if (options.runWorker ?? true) app.addHook('onReady', async () => services.worker.start());
  return app as MarketplaceApp;
}
