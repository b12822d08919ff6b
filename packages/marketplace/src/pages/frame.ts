// What every simulator page route shares: its dependencies, the query every page reads (the notice or
// error a form left), and sending a page in the simulator's frame.
import type { AdjustableClock } from '@saas-fulfillment/contract';
import type { FormGuardOptions, LocalTool, SafeHtml } from '@saas-fulfillment/web';
import type { FastifyReply } from 'fastify';
import Type from 'typebox';
import type { Catalog } from '../catalog.js';
import type { PublisherEndpoints } from '../endpoints.js';
import type { Fulfillment } from '../fulfillment/index.js';
import type { ClockAdvance } from '../model/simulator.js';
import type { MarketplaceStore } from '../store/repository.js';
import { simulatorPage } from './views/layout.js';
import type { WebhookInbox } from '../webhooks/inbox.js';
import type { RequestLog } from '../simulator/requests.js';
import type { ResetDone } from '../simulator/resets.js';

export interface SimulatorPageDeps {
  fulfillment: Fulfillment;
  store: MarketplaceStore;
  catalog: Catalog;
  clock: AdjustableClock;
  advanceClock: (advanceBy: string) => Promise<ClockAdvance>;
  endpoints: PublisherEndpoints;
  inbox: WebhookInbox;
  reset: () => Promise<ResetDone>;
  /** A reset empties the publisher beside the emulator too (under dev): the confirmation says so. */
  resetEmptiesPublisher: boolean;
  requests: RequestLog;
  localTool: LocalTool;
  forms: FormGuardOptions;
}

/** What a form action left for the page it redirects to. */
export const PageQuery = Type.Object({
  notice: Type.Optional(Type.String({ maxLength: 500 })),
  error: Type.Optional(Type.String({ maxLength: 500 })),
});
export type PageQuery = Type.Static<typeof PageQuery>;

/** A path id of a page (a subscription, a delivery, a publisher). */
export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

export function sendPage(
  reply: FastifyReply,
  clock: AdjustableClock,
  query: PageQuery,
  title: string,
  body: SafeHtml,
  options: { status?: number; refreshSeconds?: number } = {},
) {
  return reply
    .status(options.status ?? 200)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(simulatorPage({ title, clock, notice: query.notice, error: query.error, refreshSeconds: options.refreshSeconds }, body));
}
