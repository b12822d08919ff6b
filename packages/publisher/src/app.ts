// buildPublisher: the vendor's fulfillment service as one Fastify instance (landing page, webhook, admin
// console and API, entitlements, usage, health, metrics) plus its background work: the services wired in
// services.ts, what answers requests registered by http.ts, and a shutdown that drains.
import type { FastifyInstance } from 'fastify';
import { isDatabaseUnavailable } from '@saas-fulfillment/store';
import { createServer, drainOnClose } from '@saas-fulfillment/web';
import { registerHttp } from './http.js';
import { createServices, type PublisherHandles, type PublisherOptions } from './services.js';

export type PublisherApp = FastifyInstance & { publisher: PublisherHandles };

export async function buildPublisher(options: PublisherOptions): Promise<PublisherApp> {
  const app = createServer({ logger: options.logger, bodyLimit: 256 * 1024, trustProxy: options.trustProxy, isUnavailable: isDatabaseUnavailable });
  const services = createServices(options, app.log);
  const drain = drainOnClose(app, services.worker, { graceMs: options.closeGraceMs, onClosed: options.onClose });
  const { fulfillment, store, metrics, metering } = services;
  app.decorate('publisher', { fulfillment, worker: services.worker.jobs, store, metrics, metering, cutShort: drain.cutShort } satisfies PublisherHandles);
  await registerHttp(app, services, options);
  if (options.runWorker ?? true) app.addHook('onReady', () => services.worker.start());
  return app as PublisherApp;
}
