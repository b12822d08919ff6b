// A typed client of the emulator's simulator control API (what the customer and time do): what the
// `trigger`, `clock` and `webhooks` commands speak, and what a publisher's own test suite can use.
import { ApiError } from '@saas-fulfillment/contract/errors';
import type { ErrorBody } from '@saas-fulfillment/contract';
import type { ClockAdvance, CustomerActionRequest, DeliveryView, Purchase, PurchaseRequest } from '../model/simulator.js';
import type { PublisherEndpointsView, EndpointsBody } from '../endpoints.js';
import type { AnswerBody, InboxAnswers } from '../webhooks/inbox.js';

export type { DeliveryView, PurchaseRequest, CustomerActionRequest };

/** The emulator could not be reached at all (not running, wrong URL). */
export class EmulatorUnreachable extends Error {
  override readonly name = 'EmulatorUnreachable';
}

export class SimulatorClient {
  readonly baseUrl: string;

  constructor(
    baseUrl = 'http://127.0.0.1:4010',
    private readonly fetcher: typeof fetch = globalThis.fetch,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  /** A customer buys a plan: the subscription id, its landing token and the landing page link. */
  purchase(body: PurchaseRequest): Promise<Purchase> {
    return this.call('POST', '/simulator/purchases', body);
  }

  /** The customer (or Microsoft) acts on a subscription: plan or seat change, suspend, reinstate, cancel, renew. */
  act(subscriptionId: string, body: CustomerActionRequest): Promise<{ operationId: string; status: string }> {
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

  /** Empties subscriptions, operations, tokens, deliveries and usage; the clock goes back to real time. */
  async reset(): Promise<void> {
    await this.call('POST', '/simulator/reset');
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await this.fetcher(this.baseUrl + path, {
        method,
        ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      const code = (error as { cause?: { code?: string } }).cause?.code;
      throw new EmulatorUnreachable(
        `cannot reach the marketplace emulator at ${this.baseUrl}${code ? ` (${code})` : ''}: is it running? Start it with 'saas-fulfillment marketplace' or 'npm start'`,
      );
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      throw new EmulatorUnreachable(`${this.baseUrl} answered HTTP ${response.status} with something other than JSON: is it the marketplace emulator?`);
    }
    if (!response.ok) {
      const error = (json ?? {}) as Partial<ErrorBody>;
      throw new ApiError(response.status, error.code ?? 'Error', error.message ?? `HTTP ${response.status}`, error.target);
    }
    return json as T;
  }
}
