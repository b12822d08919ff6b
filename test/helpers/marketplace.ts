// Starts a real emulator for a test (port 0, its own store) and talks to it over HTTP; every answer
// from the fulfillment API is checked against the project's contract on the way back.
import { ManualClock, OffsetClock, type AdjustableClock } from '@saas-fulfillment/contract';
import { API_VERSION, MARKETPLACE_RESOURCE_ID } from '@saas-fulfillment/contract';
import { buildMarketplace, type MarketplaceApp, type MarketplaceOptions } from '@saas-fulfillment/marketplace';
import { Catalog, DEMO_CATALOG, DEV_PUBLISHER, type CatalogConfig } from '@saas-fulfillment/marketplace';
import { openMarketplaceStore, type MarketplaceStore } from '@saas-fulfillment/marketplace';
import { SIGNING_KEY_SETTING } from '@saas-fulfillment/marketplace/internals';
import type { DialectName } from '@saas-fulfillment/store';
import { testLocation } from './databases.js';
import { assertMatchesContract } from './contract.js';

export { DEV_PUBLISHER };

/** A second publisher (its own Entra app and offer), for what one publisher must not see of another's. */
const OTHER_PUBLISHER = {
  publisherId: 'fabrikam',
  tenantId: '44444444-4444-4444-8444-444444444444',
  clientId: '55555555-5555-4555-8555-555555555555',
  clientSecret: 'other-secret',
} as const;

/** The demo catalog plus the other publisher, whose one plan meters `api_calls` too. */
export function catalogWithOtherPublisher(): CatalogConfig {
  return {
    publishers: [
      ...structuredClone(DEMO_CATALOG).publishers,
      {
        ...OTHER_PUBLISHER,
        offers: [
          {
            offerId: 'fabrikam-app',
            displayName: 'Fabrikam',
            plans: [
              {
                planId: 'std',
                displayName: 'Standard',
                pricing: 'flat',
                billingTerms: [{ termUnit: 'P1M', price: 5 }],
                meteringDimensions: [{ id: 'api_calls', displayName: 'Calls', unitOfMeasure: 'calls', pricePerUnit: 0.01 }],
              },
            ],
          },
        ],
      },
    ],
  };
}

/** The workload identity subject the credential tests use. */
export const WORKLOAD_SUBJECT = 'system:serviceaccount:billing:publisher';

/**
 * An emulator whose dev app trusts `certificatePem` and, as a federated credential, the simulator's own
 * workload identity tokens for WORKLOAD_SUBJECT. The issuer names the emulator's origin, known once it
 * listens (on port 0): the credential is added to the dev app's registration then.
 */
export async function startMarketplaceTrusting(certificatePem: string): Promise<TestMarketplace> {
  const catalog = structuredClone(DEMO_CATALOG);
  Object.assign(catalog.publishers[0]!, { certificates: [certificatePem] });
  const mp = await startTestMarketplace({ catalog });
  const app = mp.app.marketplace.catalog.publisherByClientId(DEV_PUBLISHER.clientId)!;
  app.federatedCredentials = [{ issuer: `${mp.url}/workload-identity`, subject: WORKLOAD_SUBJECT }];
  return mp;
}

/** An access token for the other publisher's app from the emulator's token endpoint. */
export async function otherPublisherToken(mp: TestMarketplace): Promise<string> {
  const { tenantId, clientId, clientSecret } = OTHER_PUBLISHER;
  const response = await mp.http('POST', `/${tenantId}/oauth2/v2.0/token`, {
    form: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: `${MARKETPLACE_RESOURCE_ID}/.default` },
  });
  return (response.body as { access_token: string }).access_token;
}

/** A clock that starts at a fixed instant and moves only when told to, and can be advanced like the real one. */
export class TestClock extends ManualClock implements AdjustableClock {
  private advanced = 0;
  override advance(ms: number): void {
    super.advance(ms);
    this.advanced += ms;
  }
  get offset(): number {
    return this.advanced;
  }
  reset(): void {
    super.advance(-this.advanced);
    this.advanced = 0;
  }
}

export interface TestMarketplaceOptions extends Partial<Omit<MarketplaceOptions, 'store' | 'catalog'>> {
  dialect?: DialectName;
  catalog?: CatalogConfig;
  /** Patches applied to the dev publisher (webhookUrl, landingPageUrl...). */
  publisher?: Partial<CatalogConfig['publishers'][number]>;
  listen?: boolean;
}

export interface TestMarketplace {
  app: MarketplaceApp;
  url: string;
  store: MarketplaceStore;
  clock: AdjustableClock;
  close(): Promise<void>;
  /** An access token for the dev publisher from the emulator's own token endpoint. */
  token(version?: 'v1' | 'v2'): Promise<string>;
  /** A call to the fulfillment API (path under /api), validated against the spec. */
  api(method: string, path: string, init?: ApiInit): Promise<ApiResponse>;
  /** A call anywhere on the emulator (no spec check). */
  http(method: string, path: string, init?: { body?: unknown; headers?: Record<string, string>; form?: Record<string, string> }): Promise<ApiResponse>;
  purchase(body?: Record<string, unknown>): Promise<{ subscriptionId: string; token: string; landingPageUrl: string }>;
  /** Purchase and activate; returns the subscription id. */
  subscribe(body?: Record<string, unknown>): Promise<string>;
}

interface ApiInit {
  token?: string | null;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  apiVersion?: string | null;
  query?: Record<string, string>;
}

interface ApiResponse {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

/**
 * The signing key the first emulator of this test process made, stored into every later emulator's new
 * store before it opens: a 2048-bit RSA key takes up to a few hundred milliseconds to make, most of a start.
 * The emulator still reads it from its store, as after a restart.
 */
let processKey: string | undefined;

export async function startTestMarketplace(options: TestMarketplaceOptions = {}): Promise<TestMarketplace> {
  const location = testLocation(options.dialect ?? 'sqlite');
  const { store, database } = await openMarketplaceStore({ dataDir: location.dataDir, databaseUrl: location.databaseUrl, schema: location.schema });
  if (processKey !== undefined) await store.settings.setOnce(SIGNING_KEY_SETTING, processKey);
  const config = structuredClone(options.catalog ?? DEMO_CATALOG);
  if (options.publisher) Object.assign(config.publishers[0]!, options.publisher);
  const clock = options.clock ?? new OffsetClock();
  const app = await buildMarketplace({
    ...options,
    store,
    catalog: Catalog.parse(config),
    clock,
    settings: {
      partnerOperationDelayMs: 0,
      pollIntervalMs: 50,
      ...options.settings,
      webhook: { baseDelayMs: 50, maxDelayMs: 400, timeoutMs: 2000, ...options.settings?.webhook },
    },
    onClose: async () => {
      await database.close();
      await location.cleanup();
    },
  });
  processKey ??= await store.settings.get(SIGNING_KEY_SETTING);
  let url = 'http://127.0.0.1';
  if (options.listen ?? true) url = await app.listen({ host: '127.0.0.1', port: 0 });
  else await app.ready();

  const http: TestMarketplace['http'] = async (method, path, init = {}) => {
    const headers: Record<string, string> = { ...init.headers };
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    } else if (init.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.body);
    }
    return send(url + path, method, headers, body);
  };

  let cachedToken: string | undefined;
  const token: TestMarketplace['token'] = async (version = 'v2') => {
    const form: Record<string, string> = { grant_type: 'client_credentials', client_id: DEV_PUBLISHER.clientId, client_secret: DEV_PUBLISHER.clientSecret };
    if (version === 'v2') form.scope = `${MARKETPLACE_RESOURCE_ID}/.default`;
    else form.resource = MARKETPLACE_RESOURCE_ID;
    const response = await http('POST', `/${DEV_PUBLISHER.tenantId}/oauth2/${version === 'v2' ? 'v2.0/' : ''}token`, { form });
    if (response.status !== 200) throw new Error(`token endpoint answered ${response.status}: ${response.text}`);
    return (response.body as { access_token: string }).access_token;
  };

  const api: TestMarketplace['api'] = async (method, path, init = {}) => {
    const query = new URLSearchParams(init.query);
    if (init.apiVersion !== null) query.set('api-version', init.apiVersion ?? API_VERSION);
    const headers: Record<string, string> = { ...init.headers };
    if (init.token !== null) {
      let bearer = init.token;
      if (bearer === undefined) {
        cachedToken ??= await token();
        bearer = cachedToken;
      }
      headers.authorization = `Bearer ${bearer}`;
    }
    let body: string | undefined = init.rawBody;
    if (init.body !== undefined) body = JSON.stringify(init.body);
    if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
    const qs = query.toString();
    const response = await send(`${url}/api${path}${qs ? `?${qs}` : ''}`, method, headers, body);
    assertMatchesContract(method, path, response.status, response.body);
    return response;
  };

  const purchase: TestMarketplace['purchase'] = async (body = {}) => {
    const response = await http('POST', '/simulator/purchases', { body: { offerId: 'contoso-saas', planId: 'pro', quantity: 5, ...body } });
    if (response.status !== 201) throw new Error(`purchase answered ${response.status}: ${response.text}`);
    return response.body as { subscriptionId: string; token: string; landingPageUrl: string };
  };

  const subscribe: TestMarketplace['subscribe'] = async (body = {}) => {
    const bought = await purchase(body);
    const resolved = await api('POST', '/saas/subscriptions/resolve', { headers: { 'x-ms-marketplace-token': bought.token } });
    const { planId, quantity } = resolved.body as { planId: string; quantity?: number };
    const activated = await api('POST', `/saas/subscriptions/${bought.subscriptionId}/activate`, { body: { planId, quantity } });
    if (activated.status !== 200) throw new Error(`activate answered ${activated.status}: ${activated.text}`);
    return bought.subscriptionId;
  };

  return { app, url, store, clock, close: () => app.close(), token, api, http, purchase, subscribe };
}

async function send(url: string, method: string, headers: Record<string, string>, body: string | undefined): Promise<ApiResponse> {
  const response = await fetch(url, { method, headers, body, redirect: 'manual' });
  const text = await response.text();
  let parsed: unknown;
  if (text && response.headers.get('content-type')?.includes('json')) parsed = JSON.parse(text);
  return { status: response.status, headers: response.headers, body: parsed, text };
}
