// A typed client of the emulator's simulator control API (what the customer and time do): what the
// `trigger`, `clock` and `webhooks` commands speak, and what a publisher's own test suite can use. It
// speaks through node:http rather than fetch: a command's first fetch spends about 100 ms setting up
// undici, more than the rest of the command together.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ApiError } from '@saas-fulfillment/contract/errors';
import type { ErrorBody, Subscription } from '@saas-fulfillment/contract';
import type { ClockAdvance, CustomerActionRequest, DeliveryView, Purchase, PurchaseRequest } from '../model/simulator.js';
import type { PublisherEndpointsView, EndpointsBody } from '../endpoints.js';
import type { AnswerBody, InboxAnswers } from '../webhooks/inbox.js';
import type { MarketplaceState, Seed } from './documents.js';
import type { StateCounts } from './state.js';
import type { InspectedCall } from './requests.js';

export type { DeliveryView, PurchaseRequest, CustomerActionRequest, MarketplaceState, Seed, StateCounts, InspectedCall };

/** The emulator could not be reached at all (not running, wrong URL). */
export class EmulatorUnreachable extends Error {
  override readonly name = 'EmulatorUnreachable';
}

/** Node's codes for a TLS certificate it does not trust: the emulator runs, with a CA this process lacks. */
const TLS_TRUST_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export interface SimulatorClientOptions {
  /** The emulator's control token, when it was started with one (`--control-token`, SIMULATOR_CONTROL_TOKEN). */
  controlToken?: string | undefined;
}

export class SimulatorClient {
  readonly baseUrl: string;
  private readonly controlToken: string | undefined;

  constructor(baseUrl = 'http://127.0.0.1:4010', options: SimulatorClientOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.controlToken = options.controlToken;
  }

  /** A customer buys a plan: the subscription id, its landing token and the landing page link. */
  purchase(body: PurchaseRequest): Promise<Purchase> {
    return this.call('POST', '/simulator/purchases', body);
  }

  /** The customer (or Microsoft) acts on a subscription: plan or seat change, suspend, reinstate, cancel, renew. */
  act(subscriptionId: string, body: CustomerActionRequest): Promise<{ operationId: string; status: string; seatsChanged?: { from: number; to: number } }> {
    return this.call('POST', `/simulator/subscriptions/${encodeURIComponent(subscriptionId)}/actions`, body);
  }

  /** Moves the marketplace clock forward by an ISO 8601 duration and runs what fell due. */
  advanceClock(advanceBy: string): Promise<ClockAdvance> {
    return this.call('POST', '/simulator/clock', { advanceBy });
  }

  clock(): Promise<{ now: string; offsetMs: number }> {
    return this.call('GET', '/simulator/clock');
  }

  /** The delivery log, newest first. */
  async webhooks(filter: { subscriptionId?: string | undefined; limit?: number | undefined } = {}): Promise<DeliveryView[]> {
    const query = new URLSearchParams();
    if (filter.subscriptionId) query.set('subscriptionId', filter.subscriptionId);
    if (filter.limit) query.set('limit', String(filter.limit));
    const path = `/simulator/webhooks${query.size ? `?${query}` : ''}`;
    return (await this.call<{ deliveries: DeliveryView[] }>('GET', path)).deliveries;
  }

  /** Sends a past delivery again (same operation and payload) to the publisher's current webhook. */
  redeliver(deliveryId: string): Promise<{ deliveryId: string; operationId: string; url: string }> {
    return this.call('POST', `/simulator/webhooks/${encodeURIComponent(deliveryId)}/redeliver`);
  }

  publishers(): Promise<{ publishers: PublisherEndpointsView[] }> {
    return this.call('GET', '/simulator/publishers');
  }

  setEndpoints(publisherId: string, body: EndpointsBody): Promise<PublisherEndpointsView> {
    return this.call('PUT', `/simulator/publishers/${encodeURIComponent(publisherId)}`, body);
  }

  setInboxAnswer(publisherId: string, body: AnswerBody): Promise<InboxAnswers> {
    return this.call('PUT', `/simulator/inbox/${encodeURIComponent(publisherId)}`, body);
  }

  /** The whole state as one versioned document (GET /simulator/state), to keep, share or import later. */
  exportState(): Promise<MarketplaceState> {
    return this.call('GET', '/simulator/state');
  }

  /** Replaces the whole state with a document `exportState` made (here or in an earlier version). */
  importState(state: MarketplaceState): Promise<{ imported: StateCounts }> {
    return this.call('PUT', '/simulator/state', state);
  }

  /** Loads a seed in place of the state; `reset` returns to it from now on. */
  seed(seed: Seed): Promise<{ seeded: { subscriptions: number } }> {
    return this.call('POST', '/simulator/seed', seed);
  }

  /** The API calls the emulator answered (oldest first), secrets masked; `after` a seq to get only newer ones. */
  async requests(filter: { subscriptionId?: string | undefined; after?: number | undefined; limit?: number | undefined } = {}): Promise<InspectedCall[]> {
    const query = new URLSearchParams();
    if (filter.subscriptionId) query.set('subscriptionId', filter.subscriptionId);
    if (filter.after !== undefined) query.set('after', String(filter.after));
    if (filter.limit) query.set('limit', String(filter.limit));
    return (await this.call<{ requests: InspectedCall[] }>('GET', `/simulator/requests${query.size ? `?${query}` : ''}`)).requests;
  }

  /** Back to the seed if one was loaded, else empty: subscriptions, operations, tokens, deliveries and usage; the clock at real time. */
  async reset(): Promise<{ seeded: boolean; publisherToo: boolean }> {
    return (await this.call<{ reset: { seeded: boolean; publisherToo: boolean } }>('POST', '/simulator/reset')).reset;
  }

  /** A subscription as the marketplace holds it, with its operations (no token needed). */
  subscription(subscriptionId: string): Promise<{ subscription: Subscription; operations: unknown[] }> {
    return this.call('GET', `/simulator/subscriptions/${encodeURIComponent(subscriptionId)}`);
  }

  /** A fresh landing token and link for a subscription, as when the customer clicks "Manage account". */
  landingToken(subscriptionId: string): Promise<Purchase> {
    return this.call('POST', `/simulator/subscriptions/${encodeURIComponent(subscriptionId)}/token`);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: { status: number; text: string };
    try {
      response = await send(method, this.baseUrl + path, body === undefined ? undefined : JSON.stringify(body), this.controlToken);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code && TLS_TRUST_CODES.has(code))
        throw new EmulatorUnreachable(
          `the emulator at ${this.baseUrl} answers over HTTPS with a certificate this machine does not trust (${code}): ` +
            'set NODE_EXTRA_CA_CERTS to the CA file it printed at start (data/tls/ca.pem by default), or use http://',
        );
      throw new EmulatorUnreachable(
        `cannot reach the marketplace emulator at ${this.baseUrl}${code ? ` (${code})` : ''}: is it running? Start it with 'saas-fulfillment marketplace' or 'npm start'`,
      );
    }
    let json: unknown;
    try {
      json = response.text ? JSON.parse(response.text) : undefined;
    } catch {
      throw new EmulatorUnreachable(`${this.baseUrl} answered HTTP ${response.status} with something other than JSON: is it the marketplace emulator?`);
    }
    if (response.status >= 400) {
      const error = (json ?? {}) as Partial<ErrorBody>;
      throw new ApiError(response.status, error.code ?? 'Error', error.message ?? `HTTP ${response.status}`, error.target);
    }
    return json as T;
  }
}

/** One request with an optional JSON body; its status and body as text (30 s at most). */
function send(method: string, url: string, json: string | undefined, controlToken: string | undefined): Promise<{ status: number; text: string }> {
  const request = url.startsWith('https:') ? httpsRequest : httpRequest;
  const headers: Record<string, string | number> = json === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) };
  if (controlToken !== undefined) headers.authorization = `Bearer ${controlToken}`;
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method, headers, signal: AbortSignal.timeout(30_000) }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      incoming.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(json);
  });
}
