// What every simulator page shares: the navigation, the page frame with the marketplace clock, form
// actions that redirect (so a reload never posts twice), and the loopback guard.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '@saas-fulfillment/contract';
import { html, page, type SafeHtml } from '@saas-fulfillment/web';
import { timeWords } from '@saas-fulfillment/web';
import type { AdjustableClock } from '@saas-fulfillment/contract';
import type { ClockAdvance } from '../simulator/clock.js';
import type { Catalog } from '../catalog.js';
import type { PublisherEndpoints } from '../endpoints.js';
import type { Fulfillment } from '../fulfillment/index.js';
import { isLoopback } from '../routes/simulator.js';
import type { MarketplaceStore } from '../store/repository.js';
import type { WebhookInbox } from '../webhooks/inbox.js';

export interface SimulatorPageDeps {
  fulfillment: Fulfillment;
  store: MarketplaceStore;
  catalog: Catalog;
  clock: AdjustableClock;
  advanceClock: (advanceBy: string) => Promise<ClockAdvance>;
  endpoints: PublisherEndpoints;
  inbox: WebhookInbox;
  reset: () => Promise<void>;
  allowRemote: boolean;
}

export type Form = Record<string, string | string[] | undefined>;
export type FormRequest = FastifyRequest<{ Body: Form | undefined; Params: { id: string } }>;
export type PageRequest = FastifyRequest<{ Querystring: { notice?: string; error?: string; token?: string }; Params: { id: string } }>;

const NAV = [
  { href: '/', label: 'Buy' },
  { href: '/subscriptions', label: 'Subscriptions' },
  { href: '/webhooks', label: 'Webhooks' },
  { href: '/inbox', label: 'Inbox' },
  { href: '/settings', label: 'Settings' },
];

/** Refuses other machines (the pages move time and buy) unless the emulator was started to allow them. */
export function guardLoopback(app: FastifyInstance, allowRemote: boolean): void {
  app.addHook('onRequest', async (request, reply) => {
    if (!allowRemote && !isLoopback(request.socket.remoteAddress)) {
      return reply.status(403).type('text/plain').send('The purchase simulator answers loopback callers only.');
    }
  });
}

/** Sends a simulator page: the frame, the notice or error from the query, and the marketplace's time. */
export function show(
  reply: FastifyReply,
  request: PageRequest,
  clock: AdjustableClock,
  title: string,
  body: SafeHtml,
  options: { status?: number; refreshSeconds?: number } = {},
) {
  const query = (request.query ?? {}) as { notice?: unknown; error?: unknown };
  const text = (value: unknown) => (typeof value === 'string' ? value.slice(0, 500) : undefined);
  const moved = clock.offset !== 0 ? html` <span class="badge Pending">moved ahead of real time</span>` : '';
  return reply
    .status(options.status ?? 200)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(
      page(
        {
          title,
          app: 'Marketplace simulator',
          homeUrl: '/',
          nav: NAV,
          notice: text(query.notice),
          error: text(query.error),
          refreshSeconds: options.refreshSeconds,
          footer: html`Marketplace time: <time id="marketplace-now" datetime="${clock.now().toISOString()}">${timeWords(clock.now().toISOString())}</time>${moved}`,
        },
        body,
      ),
    );
}

/** Runs a form action and redirects (303): to where it leads, or back with the error in plain words. */
export async function act(reply: FastifyReply, back: string, work: () => Promise<string>) {
  try {
    return reply.redirect(await work(), 303);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return reply.redirect(withQuery(back, { error: error.message }), 303);
  }
}

export function withQuery(path: string, query: Record<string, string>): string {
  return `${path}${path.includes('?') ? '&' : '?'}${new URLSearchParams(query)}`;
}

/** One value of a form field (the last, if it was sent twice). */
export function field(form: Form | undefined, name: string): string | undefined {
  const value = form?.[name];
  return Array.isArray(value) ? value.at(-1) : value;
}

export function wholeNumber(value: string | undefined, name: string): number {
  if (!value || !/^\d{1,7}$/.test(value.trim())) throw new ApiError(400, 'BadArgument', `${name} must be a whole number`, name);
  return Number(value);
}

/** The names people know a subscription's offer and plan by, from the catalog (the ids when it has none). */
export function planNames(catalog: Catalog, offerId: string, planId: string): { offer: string; plan: string } {
  return { offer: catalog.offer(offerId)?.offer.displayName ?? offerId, plan: catalog.plan(offerId, planId)?.displayName ?? planId };
}

export function notFound(reply: FastifyReply, request: PageRequest, clock: AdjustableClock, what: string) {
  return show(reply, request, clock, 'Not found', html`<h1>Not found</h1><section><p>${what}</p></section>`, { status: 404 });
}
