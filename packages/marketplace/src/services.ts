// The emulator's service graph, wired from injected dependencies: clock, keys and tokens, the fulfillment
// engine, metering, webhooks and the simulator's tools. Nothing here answers HTTP: http.ts does, given
// these services, and app.ts puts the two together.
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { OffsetClock, systemClock, type AdjustableClock, type Clock } from '@saas-fulfillment/contract';
import type { Catalog } from './catalog.js';
import { PublisherEndpoints } from './endpoints.js';
import { createFulfillment, type Fulfillment } from './fulfillment/index.js';
import { FulfillmentContext } from './fulfillment/context.js';
import { loadOrCreateSigningKey, type PendingSigningKey, type SigningKey } from './identity/keys.js';
import { TenantDirectory } from './identity/directory.js';
import { SignInService } from './identity/sign-in.js';
import { TokenService } from './identity/tokens.js';
import { Metering } from './metering/metering.js';
import type { ChaosSettings } from './model/simulator.js';
import { Chaos } from './simulator/chaos.js';
import { CLOCK_OFFSET } from './simulator/clock.js';
import { FaultInjector } from './simulator/faults.js';
import { startPendingChanges } from './simulator/seed.js';
import { Resets, type ResetDone } from './simulator/resets.js';
import { StateSnapshots } from './simulator/state.js';
import { RequestLog } from './simulator/requests.js';
import { withDefaults, type MarketplaceSettings } from './settings.js';
import type { MarketplaceStore } from './store/repository.js';
import { WebhookDispatcher } from './webhooks/dispatcher.js';
import { WebhookInbox } from './webhooks/inbox.js';
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
  /** The signing key, or one being made: the emulator answers meanwhile, and what signs waits for it. */
  key?: SigningKey | PendingSigningKey;
  fetch?: typeof fetch;
  logger?: FastifyBaseLogger | boolean;
  /** Let non-loopback callers use the simulator control API and pages. */
  simulatorAllowRemote?: boolean;
  /** A token the simulator's control API and pages require (at least 16 characters): for a machine other people use. */
  controlToken?: string | undefined;
  /** Run the background worker (default true; tests may drive it by hand with `marketplace.worker.drain()`). */
  runWorker?: boolean;
  bodyLimit?: number;
  /** Chaos from the start (`--chaos <file>`); the simulator can turn it on, change it or off at run time. */
  chaos?: ChaosSettings;
  /** How long work in flight gets to finish when the emulator closes (default 5 s). */
  closeGraceMs?: number;
  /** Called when the app closes, after its background work has stopped (the CLI closes the database here). */
  onClose?: () => Promise<void>;
  /** Called after a reset (in `dev`: the publisher beside it forgets what the emulator forgot). */
  onReset?: () => Promise<void>;
  /** The state to start from and to return to on reset (a seed document, checked; `--seed`). */
  seed?: unknown;
  /** A state snapshot to start from, as GET /simulator/state wrote it (`--import`); the state is replaced by it. */
  importState?: unknown;
  /** API calls the request inspector keeps (default 500; 0 keeps none). */
  inspectedCalls?: number;
}

export interface MarketplaceHandles {
  fulfillment: Fulfillment;
  metering: Metering;
  worker: MarketplaceWorker;
  tokens: TokenService;
  key: PendingSigningKey;
  clock: AdjustableClock;
  settings: MarketplaceSettings;
  store: MarketplaceStore;
  catalog: Catalog;
  endpoints: PublisherEndpoints;
  inbox: WebhookInbox;
  chaos: Chaos;
  faults: FaultInjector;
  /**
   * Back to the start: the seed's state if one was loaded, else nothing (subscriptions, usage, operations,
   * tokens, deliveries and the inbox emptied); faults and chaos off; the clock at real time.
   */
  reset(): Promise<ResetDone>;
  /** Loads a seed in place of the state, and makes it what `reset` returns to. */
  seed(document: unknown): Promise<{ subscriptions: number }>;
  /** State snapshots: export the whole state, import one in its place. */
  snapshots: StateSnapshots;
  /** The request inspector: the API calls answered lately, newest last. */
  requests: RequestLog;
  publicUrl(): string;
  /** After close: the work that did not finish within the grace period (empty: none). */
  cutShort(): readonly string[];
}

/** The emulator's services, wired: the handles, and what only the HTTP side uses. */
export interface MarketplaceServices extends Omit<MarketplaceHandles, 'cutShort'> {
  /** Time as Entra states it in tokens. */
  identityClock: Clock;
  signIn: SignInService;
  directory: TenantDirectory;
  /** Aborted when the emulator starts closing: answers held on purpose let go. */
  closing: AbortSignal;
}

/** The service graph: clock, keys and tokens, the fulfillment engine, metering, webhooks, the simulator's tools. */
export async function createServices(options: MarketplaceOptions, app: FastifyInstance, closing: AbortSignal): Promise<MarketplaceServices> {
  const { store, catalog } = options;
  const { log } = app;
  const settings = withDefaults(options.settings);
  const clock = options.clock ?? new OffsetClock(Number((await store.settings.get(CLOCK_OFFSET)) ?? 0));
  const key = Promise.resolve(options.key ?? (await loadOrCreateSigningKey(store)));
  // A key that fails to be made fails what signs with it, not the process before anything awaits it.
  key.catch(() => {});
  const publicUrl = listeningOrigin(app, options);
  const identityClock = options.identityClock ?? systemClock;
  const tokens = new TokenService(key, catalog, identityClock, publicUrl);
  const endpoints = await PublisherEndpoints.load(store, catalog, publicUrl);
  const context = new FulfillmentContext(store, catalog, clock, settings, endpoints, { webhookQueued: () => worker.wake() });
  const fulfillment = createFulfillment(context);
  const chaos = new Chaos();
  if (options.chaos) log.warn({ seed: chaos.set(options.chaos).seed }, 'chaos is on: replay this run with its seed');
  const dispatcher = new WebhookDispatcher({ store, catalog, tokens, clock, settings, fetch: options.fetch ?? fetch, log, chaos });
  const worker: MarketplaceWorker = new MarketplaceWorker(fulfillment, dispatcher, settings.pollIntervalMs, (error) =>
    log.error({ err: error }, 'background work failed'),
  );
  const inbox = await WebhookInbox.load({ store, catalog, tokens, api: fulfillment.api, settings, clock, log, closing });
  const faults = new FaultInjector();
  const requests = new RequestLog(options.inspectedCalls ?? 500);
  const resets = new Resets({ context, fulfillment, clock, faults, chaos, requests, log, onReset: options.onReset }, options.seed);
  const snapshots = new StateSnapshots({ store, catalog, clock, endpoints, imported: () => worker.wake() });
  if (options.importState !== undefined) await snapshots.import(options.importState);
  else {
    const changes = await resets.start();
    // Their webhooks go to the emulator's own inbox unless the publisher has one: its address is known once it listens.
    if (changes.length > 0) app.addHook('onListen', () => startPendingChanges(fulfillment, changes));
  }
  const metering = new Metering(context);
  const signIn = new SignInService(key, identityClock, publicUrl);
  const directory = new TenantDirectory(catalog, store);
  return {
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
    faults,
    reset: () => resets.reset(),
    seed: (document) => resets.load(document),
    snapshots,
    requests,
    publicUrl,
    identityClock,
    signIn,
    directory,
    closing,
  };
}

/** The origin the emulator is reached at: the public URL when given, else the address it listens on once it does. */
function listeningOrigin(app: FastifyInstance, options: Pick<MarketplaceOptions, 'publicUrl' | 'https'>): () => string {
  let origin = options.publicUrl?.replace(/\/+$/, '');
  app.addHook('onListen', async () => {
    if (origin) return;
    const address = app.server.address() as AddressInfo | null;
    const scheme = options.https ? 'https' : 'http';
    // Bound to every address (0.0.0.0, ::): a browser and a client on this machine reach it by loopback.
    const host = address && (address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '[::1]' : undefined);
    if (address) origin = `${scheme}://${host ?? (address.family === 'IPv6' ? `[${address.address}]` : address.address)}:${address.port}`;
  });
  return () => origin ?? 'http://127.0.0.1';
}
