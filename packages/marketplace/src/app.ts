// buildMarketplace: the emulator as one Fastify instance (fulfillment API under /api, Entra-style identity
// at the root, simulator control API and pages), its services wired from injected dependencies.
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { OffsetClock, systemClock, type AdjustableClock, type Clock } from '@saas-fulfillment/contract';
import { allowEmptyJsonBodies, apiHeaders, hostsOf, installErrorHandling, securityHeaders, type FormGuardOptions, type LocalTool } from '@saas-fulfillment/web';
import type { Catalog } from './catalog.js';
import { PublisherEndpoints } from './endpoints.js';
import { clockAdvancer, CLOCK_OFFSET } from './simulator/clock.js';
import { FaultInjector } from './simulator/faults.js';
import { Chaos, type ChaosSettings } from './simulator/chaos.js';
import { createFulfillment, type Fulfillment } from './fulfillment/index.js';
import { FulfillmentContext } from './fulfillment/context.js';
import { loadOrCreateSigningKey, type SigningKey } from './identity/keys.js';
import { SignInService } from './identity/sign-in.js';
import { TokenService } from './identity/tokens.js';
import { apiRoutes } from './routes/api.js';
import { Metering } from './metering/metering.js';
import { identityRoutes, workloadIssuer } from './routes/identity.js';
import { issueWorkloadToken, type WorkloadTokenRequest } from './identity/workload-tokens.js';
import { simulatorRoutes } from './routes/simulator.js';
import { withDefaults, type MarketplaceSettings } from './settings.js';
import type { MarketplaceStore } from './store/repository.js';
import { simulatorPages } from './routes/pages/index.js';
import { WebhookDispatcher } from './webhooks/dispatcher.js';
import { WebhookInbox } from './webhooks/inbox.js';
import { inboxRoutes } from './routes/inbox.js';
import { MarketplaceWorker } from './worker.js';

export interface MarketplaceOptions {
  store: MarketplaceStore;
  catalog: Catalog;
  /** Business time: terms, trials, grace periods, acknowledgement windows. Default: real time plus the stored offset. */
  clock?: AdjustableClock;
  /** Time for token lifetimes (default: real time, so moving the simulator's clock does not expire every token). */
  identityClock?: Clock;
  settings?: Parameters<typeof withDefaults>[0];
  /** Origin the emulator is reached at; by default the address it listens on. */
  publicUrl?: string;
  /** Serve HTTPS with this certificate and key (PEM): Microsoft's identity SDKs refuse an http authority. */
  https?: { cert: string; key: string };
  key?: SigningKey;
  fetch?: typeof fetch;
  logger?: FastifyBaseLogger | boolean;
  /** Let non-loopback callers use the simulator control API and pages. */
  simulatorAllowRemote?: boolean;
  /** Run the background worker (default true; tests may drive it by hand with `marketplace.worker.drain()`). */
  runWorker?: boolean;
  bodyLimit?: number;
  /** Chaos from the start (`--chaos <file>`); the simulator can turn it on, change it or off at run time. */
  chaos?: ChaosSettings;
  /** Called when the app closes (the CLI closes the database here). */
  onClose?: () => Promise<void>;
}

export interface MarketplaceHandles {
  fulfillment: Fulfillment;
  metering: Metering;
  worker: MarketplaceWorker;
  tokens: TokenService;
  key: SigningKey;
  clock: AdjustableClock;
  settings: MarketplaceSettings;
  store: MarketplaceStore;
  catalog: Catalog;
  endpoints: PublisherEndpoints;
  inbox: WebhookInbox;
  chaos: Chaos;
  /** Empties subscriptions, usage, operations, tokens, deliveries, the inbox, faults and chaos, and returns the clock to real time. */
  reset(): Promise<void>;
  publicUrl(): string;
}

export type MarketplaceApp = FastifyInstance & { marketplace: MarketplaceHandles };

export async function buildMarketplace(options: MarketplaceOptions): Promise<MarketplaceApp> {
  const { store, catalog } = options;
  const settings = withDefaults(options.settings);
  const clock = options.clock ?? new OffsetClock(Number((await store.settings.get(CLOCK_OFFSET)) ?? 0));
  const key = options.key ?? (await loadOrCreateSigningKey(store));
  const bodyLimit = options.bodyLimit ?? 64 * 1024;

  const app = Fastify({
    ...(typeof options.logger === 'object' ? { loggerInstance: options.logger } : { logger: options.logger ?? false }),
    bodyLimit,
    ...(options.https ? { https: options.https } : {}),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    // Per-request lines would drown the webhook and operation log lines that matter.
    logController: new LogController({ disableRequestLogging: true }),
  }) as unknown as FastifyInstance;

  let publicUrl = options.publicUrl?.replace(/\/+$/, '');
  const origin = () => publicUrl ?? 'http://127.0.0.1';
  app.addHook('onListen', async () => {
    if (publicUrl) return;
    const address = app.server.address() as AddressInfo | null;
    const scheme = options.https ? 'https' : 'http';
    if (address) publicUrl = `${scheme}://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  });

  const identityClock = options.identityClock ?? systemClock;
  const tokens = new TokenService(key, catalog, identityClock, origin);
  const endpoints = await PublisherEndpoints.load(store, catalog, origin);
  let worker: MarketplaceWorker | undefined;
  const context = new FulfillmentContext(store, catalog, clock, settings, endpoints, { webhookQueued: () => worker?.wake() });
  const fulfillment = createFulfillment(context);
  const metering = new Metering(context);
  const chaos = new Chaos();
  if (options.chaos) app.log.warn({ seed: chaos.set(options.chaos).seed }, 'chaos is on: replay this run with its seed');
  const dispatcher = new WebhookDispatcher({ store, catalog, tokens, clock, settings, fetch: options.fetch ?? fetch, log: app.log, chaos });
  worker = new MarketplaceWorker(fulfillment, dispatcher, settings.pollIntervalMs, (error) => app.log.error({ err: error }, 'background work failed'));
  const closing = new AbortController();
  const inbox = await WebhookInbox.load({ store, catalog, tokens, api: fulfillment.api, settings, clock, log: app.log, closing: closing.signal });
  const faults = new FaultInjector();

  const reset = async () => {
    await store.clearState();
    faults.clear();
    chaos.clear();
    clock.reset();
    await store.settings.set(CLOCK_OFFSET, '0');
    app.log.info('marketplace state reset');
  };
  const handles: MarketplaceHandles = {
    fulfillment,
    metering,
    worker,
    tokens,
    key,
    clock,
    settings,
    store,
    catalog,
    endpoints,
    inbox,
    chaos,
    reset,
    publicUrl: origin,
  };
  app.decorate('marketplace', handles);

  allowEmptyJsonBodies(app);
  installErrorHandling(app);
  // Every answer carries the API's headers; pages add a browser document's. The Fulfillment and Metering
  // APIs sit outside the pages' context: no cookies, forms or page headers per call.
  apiHeaders(app);
  await app.register(apiRoutes, { prefix: '/api', api: fulfillment.api, metering, tokens, faults, chaos, publicUrl: origin });
  const cookieSecret = await store.settings.setOnce('cookie-secret', randomBytes(32).toString('base64url'));
  await app.register(async (pages) => {
    await pages.register(cookie, { secret: cookieSecret });
    await pages.register(formbody, { bodyLimit });
    const landingOrigins = () => [...new Set(endpoints.list().map((view) => new URL(view.landingPageUrl).origin))];
    await securityHeaders(pages, { hsts: false, formTargets: landingOrigins });

    const signIn = new SignInService(key, identityClock, origin);
    await pages.register(identityRoutes, { catalog, tokens, signIn, key, clock: identityClock, endpoints, publicUrl: origin, chaos });
    await pages.register(inboxRoutes, { inbox });
    const localTool: LocalTool = { allowRemote: options.simulatorAllowRemote ?? false, hosts: () => hostsOf(app.server.address(), options.publicUrl) };
    // The Host is checked first (localTool), so the request's own origin is one of the simulator's.
    const forms: FormGuardOptions = {
      ownOrigin: (request) => `${request.protocol}://${request.host}`,
      secretIn: 'cookie',
      secureCookies: options.https !== undefined || (options.publicUrl?.startsWith('https://') ?? false),
    };
    const advanceClock = clockAdvancer(clock, store, () => worker.drain());
    const workloadToken = (request: WorkloadTokenRequest) => issueWorkloadToken(key, workloadIssuer(origin()), request, identityClock.now());
    const simulator = { fulfillment, store, catalog, clock, advanceClock, faults, chaos, endpoints, inbox, reset, localTool, forms, workloadToken };
    await pages.register(simulatorRoutes, { prefix: '/simulator', ...simulator });
    await pages.register(simulatorPages, simulator);
  });
  app.get('/healthz', async () => ({ status: 'ok' }));

  if (options.runWorker ?? true) app.addHook('onReady', async () => worker.start());
  app.addHook('onClose', async () => {
    closing.abort();
    await worker.stop();
    await options.onClose?.();
  });
  return app as MarketplaceApp;
}
