// The SaaS Fulfillment API v2 (subscriptions and operations) under /api: one handler per endpoint of the
// official spec (the api-version, token and request-id checks are the API's, in api.ts).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import Type from 'typebox';
import { answersOf, API_VERSION, SubscriberPlan, UpdateOperation, Uuid, type SaaSOperation as SaaSOperationType } from '@saas-fulfillment/contract';
import { planToWire } from '../catalog.js';
import { MarketplaceErrors as E } from '../errors.js';
import type { FulfillmentApi } from '../fulfillment/api.js';
import { caller } from './caller.js';

const PAGE_SIZE = 100;
const JSON_TYPE = 'application/json; charset=utf-8';

export interface FulfillmentRouteDeps {
  api: FulfillmentApi;
  publicUrl: () => string;
}

const SubscriptionParams = Type.Object({ subscriptionId: Uuid });
const OperationParams = Type.Object({ subscriptionId: Uuid, operationId: Uuid });
const ListQuery = Type.Object({ continuationToken: Type.Optional(Type.String({ maxLength: 512 })) });
const PlansQuery = Type.Object({ planId: Type.Optional(Type.String({ maxLength: 200 })) });

export async function fulfillmentRoutes(instance: FastifyInstance, deps: FulfillmentRouteDeps): Promise<void> {
  const { api: fulfillment } = deps;
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();

  app.post('/saas/subscriptions/resolve', { schema: { response: answersOf('FulfillmentOperations_Resolve') } }, async (request, reply) => {
    const header = request.headers['x-ms-marketplace-token'];
    return reply.type(JSON_TYPE).send(await fulfillment.resolveJson(caller(request), Array.isArray(header) ? header[0] : header));
  });

  app.get(
    '/saas/subscriptions',
    { schema: { querystring: ListQuery, response: answersOf('FulfillmentOperations_ListSubscriptions') } },
    async (request, reply) => {
      const afterId = decodeContinuation(request.query.continuationToken);
      const { json, nextAfter } = await fulfillment.listSubscriptionsJson(caller(request), afterId, PAGE_SIZE);
      // Stored documents are spliced in as they are: a page is sent without serializing a hundred objects.
      const link = nextAfter === undefined ? '' : `,"@nextLink":${JSON.stringify(nextLink(deps.publicUrl(), nextAfter))}`;
      return reply.type(JSON_TYPE).send(`{"subscriptions":[${json}]${link}}`);
    },
  );

  app.get(
    '/saas/subscriptions/:subscriptionId',
    { schema: { params: SubscriptionParams, response: answersOf('FulfillmentOperations_GetSubscription') } },
    async (request, reply) => reply.type(JSON_TYPE).send(await fulfillment.getSubscriptionJson(caller(request), request.params.subscriptionId)),
  );

  app.get(
    '/saas/subscriptions/:subscriptionId/listAvailablePlans',
    { schema: { params: SubscriptionParams, querystring: PlansQuery, response: answersOf('FulfillmentOperations_ListAvailablePlans') } },
    async (request) => {
      const plans = await fulfillment.availablePlans(caller(request), request.params.subscriptionId, request.query.planId);
      return { plans: plans.map(planToWire) };
    },
  );

  app.post(
    '/saas/subscriptions/:subscriptionId/activate',
    { schema: { params: SubscriptionParams, body: SubscriberPlan, response: answersOf('FulfillmentOperations_ActivateSubscription') } },
    async (request, reply) => {
      await fulfillment.activate(caller(request), request.params.subscriptionId, request.body);
      return reply.status(200).send();
    },
  );

  app.patch(
    '/saas/subscriptions/:subscriptionId',
    { schema: { params: SubscriptionParams, body: SubscriberPlan, response: answersOf('FulfillmentOperations_UpdateSubscription') } },
    async (request, reply) => {
      const operation = await fulfillment.requestChange(caller(request), request.params.subscriptionId, request.body);
      return accepted(reply, deps.publicUrl(), operation);
    },
  );

  app.delete(
    '/saas/subscriptions/:subscriptionId',
    { schema: { params: SubscriptionParams, response: answersOf('FulfillmentOperations_DeleteSubscription') } },
    async (request, reply) => {
      const operation = await fulfillment.requestUnsubscribe(caller(request), request.params.subscriptionId);
      return accepted(reply, deps.publicUrl(), operation);
    },
  );

  app.get(
    '/saas/subscriptions/:subscriptionId/operations',
    { schema: { params: SubscriptionParams, response: answersOf('SubscriptionOperations_ListOperations') } },
    async (request) => ({
      operations: await fulfillment.outstandingOperations(caller(request), request.params.subscriptionId),
    }),
  );

  app.get(
    '/saas/subscriptions/:subscriptionId/operations/:operationId',
    { schema: { params: OperationParams, response: answersOf('SubscriptionOperations_GetOperationStatus') } },
    async (request) => fulfillment.getOperation(caller(request), request.params.subscriptionId, request.params.operationId),
  );

  app.patch(
    '/saas/subscriptions/:subscriptionId/operations/:operationId',
    { schema: { params: OperationParams, body: UpdateOperation, response: answersOf('SubscriptionOperations_UpdateOperationStatus') } },
    async (request, reply) => {
      await fulfillment.acknowledge(caller(request), request.params.subscriptionId, request.params.operationId, request.body);
      return reply.status(200).send();
    },
  );
}

/** Seconds production's 202 tells the caller to wait before it polls the operation (recordings of the live API carry it). */
const POLL_AFTER_SECONDS = 5;

function accepted(reply: FastifyReply, origin: string, operation: Pick<SaaSOperationType, 'id' | 'subscriptionId'>) {
  const location = `${origin}/api/saas/subscriptions/${operation.subscriptionId}/operations/${operation.id}?api-version=${API_VERSION}`;
  return reply.status(202).header('operation-location', location).header('operation-id', operation.id).header('retry-after', String(POLL_AFTER_SECONDS)).send();
}

function nextLink(origin: string, lastId: string): string {
  const token = Buffer.from(lastId).toString('base64url');
  return `${origin}/api/saas/subscriptions/?continuationToken=${token}&api-version=${API_VERSION}`;
}

function decodeContinuation(token: string | undefined): string | undefined {
  if (token === undefined || token === '') return undefined;
  const id = Buffer.from(token, 'base64url').toString('utf8');
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw E.invalidContinuation();
  return id;
}
