// The simulator's control API: what the customer and time do in the real marketplace (buy, change,
// suspend, cancel, renew; days passing), for tests and scripts. No marketplace auth; loopback only by default.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { answers, localToolOnly, NO_BODY, refuseCrossOrigin, requireJsonBodies, type FormGuardOptions, type LocalTool } from '@saas-fulfillment/web';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { StringEnum, Uuid } from '@saas-fulfillment/contract';
import type { Fulfillment } from '../fulfillment/index.js';
import {
  ActionAccepted,
  ChaosView,
  ClockAdvance,
  ClockView,
  ChaosSettings,
  CustomerActionRequest,
  DeliveryView,
  EndpointsView,
  FaultAdded,
  FaultBody,
  FaultList,
  InboxAnswersView,
  InboxEntryView,
  InboxView,
  Purchase,
  PurchaseRequest,
  PublisherList,
  Redelivery,
  SubscriptionDetail,
  SubscriptionList,
  UsageList,
  WorkloadToken,
} from '../model/simulator.js';
import { operationToWire, subscriptionToWire } from '../model/wire.js';
import type { FaultInjector } from '../simulator/faults.js';
import type { Chaos } from '../simulator/chaos.js';
import type { StateSnapshots } from '../simulator/state.js';
import type { ResetDone } from '../simulator/resets.js';
import { SEED_SIZE_LIMIT, STATE_SIZE_LIMIT } from '../simulator/documents.js';
import type { RequestLog } from '../simulator/requests.js';
import type { MarketplaceStore } from '../store/repository.js';
import { noticeOf, type DeliveryAttempt, type DeliveryRecord, type InboxEntry } from '../model/webhooks.js';
import type { AdjustableClock } from '@saas-fulfillment/contract';
import type { Catalog } from '../catalog.js';
import { EndpointsBody, type PublisherEndpoints } from '../endpoints.js';
import { AnswerBody, type WebhookInbox } from '../webhooks/inbox.js';
import { WorkloadTokenRequest } from '../identity/workload-tokens.js';
import { MarketplaceErrors as E } from '../errors.js';

export interface SimulatorRouteDeps {
  fulfillment: Fulfillment;
  store: MarketplaceStore;
  catalog: Catalog;
  clock: AdjustableClock;
  advanceClock: (advanceBy: string) => Promise<ClockAdvance>;
  faults: FaultInjector;
  chaos: Chaos;
  endpoints: PublisherEndpoints;
  inbox: WebhookInbox;
  reset: () => Promise<ResetDone>;
  seed: (document: unknown) => Promise<{ subscriptions: number }>;
  snapshots: StateSnapshots;
  requests: RequestLog;
  localTool: LocalTool;
  forms: FormGuardOptions;
  /** Signs workload-identity tokens (the simulator as an external identity provider). */
  workloadToken: (request: WorkloadTokenRequest) => Promise<WorkloadToken>;
}

/** What a reset did: back to the seed or to nothing, and the publisher beside the emulator (dev) emptied too. */
const ResetView = Type.Object({ seeded: Type.Boolean(), publisherToo: Type.Boolean() });
// The duration is read by the clock itself: a bad one is refused with examples, not by its length.
const ClockBody = Type.Object({ advanceBy: Type.String({ maxLength: 40 }) });
const IdParams = Type.Object({ subscriptionId: Uuid });
const WebhookQuery = Type.Object({
  subscriptionId: Type.Optional(Uuid),
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })),
});
const PublisherParams = Type.Object({ publisherId: Type.String({ minLength: 1, maxLength: 50 }) });
const DeliveryParams = Type.Object({ deliveryId: Uuid });
const EntryParams = Type.Object({ entryId: Uuid });
const AcknowledgeBody = Type.Object({ status: StringEnum(['Success', 'Failure']) });
const InboxQuery = Type.Object({ publisherId: Type.Optional(Type.String({ maxLength: 50 })), limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })) });

/** An inbox entry as the control API lists it: the payload parsed. */
function inboxToJson(entry: InboxEntry): InboxEntryView {
  return { ...entry, payload: JSON.parse(entry.payload) as unknown };
}

/** Hours of usage the simulator shows per subscription (a month and more). */
export const USAGE_SHOWN = 1000;

export async function simulatorRoutes(instance: FastifyInstance, deps: SimulatorRouteDeps): Promise<void> {
  localToolOnly(instance, deps.localTool, 'The simulator control API');
  // A web page the developer opens must not move the clock or buy: JSON from this origin (or none) only.
  refuseCrossOrigin(instance, deps.forms.ownOrigin);
  requireJsonBodies(instance);
  for (const routes of [customerRoutes, webhookRoutes, toolRoutes, stateRoutes, inspectorRoutes]) await routes(instance, deps);
}

const RequestsQuery = Type.Object({
  subscriptionId: Type.Optional(Uuid),
  after: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })),
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })),
});

/** The request inspector: the API calls the emulator answered, secrets masked (poll with `after` to follow). */
async function inspectorRoutes(instance: FastifyInstance, deps: SimulatorRouteDeps): Promise<void> {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/requests', { schema: { querystring: RequestsQuery } }, async (request) => {
    const { subscriptionId, after, limit } = request.query;
    return {
      requests: deps.requests.list({
        subscriptionId,
        after: after === undefined ? undefined : Number(after),
        limit: Math.min(Number(limit ?? 200) || 200, 1000),
      }),
      kept: deps.requests.capacity,
    };
  });
}

const StateCounts = Type.Object({
  subscriptions: Type.Integer(),
  landingTokens: Type.Integer(),
  operations: Type.Integer(),
  deliveries: Type.Integer(),
  inbox: Type.Integer(),
  usage: Type.Integer(),
});

/** Snapshots (the whole state out and back in) and seeds (a hand-written state to start from and reset to). */
async function stateRoutes(instance: FastifyInstance, deps: SimulatorRouteDeps): Promise<void> {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  // Serialized by hand: the document is large and its schema is checked where it is read back.
  app.get('/state', async (_request, reply) => reply.type('application/json').send(JSON.stringify(await deps.snapshots.export())));
  // The body is checked by the import itself, so that a wrong file is named as one before its fields are.
  app.put('/state', { bodyLimit: STATE_SIZE_LIMIT, schema: { response: answers({ 200: Type.Object({ imported: StateCounts }) }) } }, async (request) => ({
    imported: await deps.snapshots.import(request.body),
  }));
  app.post(
    '/seed',
    { bodyLimit: SEED_SIZE_LIMIT, schema: { response: answers({ 200: Type.Object({ seeded: Type.Object({ subscriptions: Type.Integer() }) }) }) } },
    async (request) => {
      return { seeded: await deps.seed(request.body) };
    },
  );
}

/** What customers do (buy, act on a subscription, open the landing page again) and what they hold. */
async function customerRoutes(instance: FastifyInstance, deps: SimulatorRouteDeps): Promise<void> {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const { fulfillment, store } = deps;
  app.post('/purchases', { schema: { body: PurchaseRequest, response: answers({ 201: Purchase }) } }, async (request, reply) =>
    reply.status(201).send(await fulfillment.purchases.purchase(request.body)),
  );

  app.get('/subscriptions', { schema: { response: answers({ 200: SubscriptionList }) } }, async () => ({
    subscriptions: (await store.recentSubscriptions(500)).map(subscriptionToWire),
  }));

  app.get('/subscriptions/:subscriptionId', { schema: { params: IdParams, response: answers({ 200: SubscriptionDetail }) } }, async (request) => {
    const id = request.params.subscriptionId;
    const subscription = await store.getSubscription(id);
    if (!subscription) throw E.simulatorSubscriptionNotFound(id);
    return { subscription: subscriptionToWire(subscription), operations: (await store.listOperations(id)).map(operationToWire) };
  });

  // The usage the metering service accepted for the subscription, newest hour first.
  app.get('/subscriptions/:subscriptionId/usage', { schema: { params: IdParams, response: answers({ 200: UsageList }) } }, async (request) => ({
    usage: await store.usage.of(request.params.subscriptionId, USAGE_SHOWN),
  }));

  app.post(
    '/subscriptions/:subscriptionId/actions',
    { schema: { params: IdParams, body: CustomerActionRequest, response: answers({ 202: ActionAccepted }) } },
    async (request, reply) => {
      const { operation, seatsChanged } = await fulfillment.operations.customerActionWithSeats(request.params.subscriptionId, request.body);
      return reply.status(202).send({ operationId: operation.id, status: operation.status, ...(seatsChanged ? { seatsChanged } : {}) });
    },
  );

  app.post('/subscriptions/:subscriptionId/token', { schema: { params: IdParams, response: answers({ 201: Purchase }) } }, async (request, reply) =>
    reply.status(201).send(await fulfillment.purchases.issueLandingToken(request.params.subscriptionId)),
  );

  app.get('/clock', { schema: { response: answers({ 200: ClockView }) } }, async () => ({ now: deps.clock.now().toISOString(), offsetMs: deps.clock.offset }));
  app.post('/clock', { schema: { body: ClockBody, response: answers({ 200: ClockAdvance }) } }, async (request) => deps.advanceClock(request.body.advanceBy));
}

/** The webhook log, redelivery, and the built-in inbox. */
async function webhookRoutes(instance: FastifyInstance, deps: SimulatorRouteDeps): Promise<void> {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const { store } = deps;
  app.get(
    '/webhooks',
    { schema: { querystring: WebhookQuery, response: answers({ 200: Type.Object({ deliveries: Type.Array(DeliveryView) }) }) } },
    async (request) => {
      const limit = Math.min(Number(request.query.limit ?? 100) || 100, 1000);
      const deliveries = await store.listDeliveries({ subscriptionId: request.query.subscriptionId, limit });
      return { deliveries: await Promise.all(deliveries.map(async (d) => deliveryView(d, await store.listAttempts(d.id)))) };
    },
  );

  app.post('/webhooks/:deliveryId/redeliver', { schema: { params: DeliveryParams, response: answers({ 201: Redelivery }) } }, async (request, reply) => {
    const delivery = await deps.fulfillment.operations.redeliver(request.params.deliveryId);
    return reply.status(201).send({ deliveryId: delivery.id, operationId: delivery.operationId, url: delivery.url });
  });

  app.get('/inbox', { schema: { querystring: InboxQuery, response: answers({ 200: InboxView }) } }, async (request) => {
    const limit = Math.min(Number(request.query.limit ?? 100) || 100, 1000);
    const received = await store.listInbox({ publisherId: request.query.publisherId, limit });
    const answerSets = Object.fromEntries(deps.catalog.publishers.map((p) => [p.publisherId, deps.inbox.answers(p.publisherId)]));
    return { received: received.map(inboxToJson), answers: answerSets };
  });

  app.put('/inbox/:publisherId', { schema: { params: PublisherParams, body: AnswerBody, response: answers({ 200: InboxAnswersView }) } }, async (request) =>
    deps.inbox.setAnswer(deps.catalog.requirePublisher(request.params.publisherId), request.body),
  );

  app.post(
    '/inbox/entries/:entryId/acknowledge',
    { schema: { params: EntryParams, body: AcknowledgeBody, response: answers({ 200: InboxEntryView }) } },
    async (request) => inboxToJson(await deps.inbox.acknowledge(request.params.entryId, request.body.status)),
  );
}

/** The developer's tools: faults, chaos, the publishers' endpoints, workload tokens, reset. */
async function toolRoutes(instance: FastifyInstance, deps: SimulatorRouteDeps): Promise<void> {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  app.post('/faults', { schema: { body: FaultBody, response: answers({ 201: FaultAdded }) } }, async (request, reply) =>
    reply.status(201).send(deps.faults.add(request.body)),
  );
  app.get('/faults', { schema: { response: answers({ 200: FaultList }) } }, async () => ({ faults: deps.faults.list() }));
  app.delete('/faults', { schema: { response: answers({ 204: NO_BODY }) } }, async (_request, reply) => {
    deps.faults.clear();
    return reply.status(204).send(null);
  });

  // Chaos on a schedule, seeded: PUT turns it on or changes it (the answer holds the seed to replay with).
  app.put('/chaos', { schema: { body: ChaosSettings, response: answers({ 200: ChaosView }) } }, async (request) => ({ chaos: deps.chaos.set(request.body) }));
  app.get('/chaos', { schema: { response: answers({ 200: ChaosView }) } }, async () => ({ chaos: deps.chaos.get() ?? null }));
  app.delete('/chaos', { schema: { response: answers({ 204: NO_BODY }) } }, async (_request, reply) => {
    deps.chaos.clear();
    return reply.status(204).send(null);
  });

  app.get('/publishers', { schema: { response: answers({ 200: PublisherList }) } }, async () => ({ publishers: deps.endpoints.list() }));
  app.put(
    '/publishers/:publisherId',
    { schema: { params: PublisherParams, body: EndpointsBody, response: answers({ 200: EndpointsView }) } },
    async (request) => deps.endpoints.update(deps.catalog.requirePublisher(request.params.publisherId), request.body),
  );

  // A token from the simulator's workload identity provider, for an app's federated credential.
  app.post('/workload-identity/tokens', { schema: { body: WorkloadTokenRequest, response: answers({ 201: WorkloadToken }) } }, async (request, reply) =>
    reply.status(201).send(await deps.workloadToken(request.body)),
  );

  app.post('/reset', { schema: { response: answers({ 200: Type.Object({ reset: ResetView }) }) } }, async () => ({ reset: await deps.reset() }));
}

/** A webhook delivery as the control API lists it: the notice it carried, where it went, how it went. */
function deliveryView(d: DeliveryRecord, attemptLog: DeliveryAttempt[]): DeliveryView {
  const payload = noticeOf(d);
  return {
    id: d.id,
    operationId: d.operationId,
    subscriptionId: d.subscriptionId,
    action: payload.action,
    operationStatus: payload.status,
    operationRequestSource: payload.operationRequestSource,
    url: d.url,
    status: d.status,
    attempts: d.attempts,
    lastStatusCode: d.lastStatusCode ?? null,
    lastError: d.lastError ?? null,
    lastLatencyMs: d.lastLatencyMs ?? null,
    created: d.created,
    nextAttemptAt: d.status === 'Pending' ? d.nextAttemptAt : null,
    finishedAt: d.finishedAt ?? null,
    attemptLog,
    payload: payload as Record<string, unknown>,
  };
}
