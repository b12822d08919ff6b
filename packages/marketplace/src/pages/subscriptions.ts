// The subscriptions pages and their forms: act as the customer, open the landing page at any time, and
// move the marketplace clock.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Uuid } from '@saas-fulfillment/contract';
import { act, actionWords, wholeNumber, withQuery } from '@saas-fulfillment/web';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { CustomerActionRequest } from '../model/simulator.js';
import { USAGE_SHOWN } from '../routes/simulator.js';
import { notFoundPage } from './views/layout.js';
import { subscriptionPage, subscriptionsPage } from './views/subscriptions.js';
import { IdParams, PageQuery, sendPage, type SimulatorPageDeps } from './frame.js';

const SubscriptionQuery = Type.Object({ ...PageQuery.properties, token: Type.Optional(Type.String({ maxLength: 1000 })) });
const ActionForm = Type.Object({
  action: CustomerActionRequest.properties.action,
  planId: Type.Optional(Type.String({ maxLength: 50 })),
  quantity: Type.Optional(Type.String({ maxLength: 10 })),
});
const ClockForm = Type.Object({ advanceBy: Type.String({ maxLength: 40 }) });
const SubscriptionParams = Type.Object({ id: Uuid });

export async function subscriptionPages(instance: FastifyInstance, deps: SimulatorPageDeps): Promise<void> {
  const { fulfillment, store, catalog, clock } = deps;
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/subscriptions', { schema: { querystring: PageQuery } }, async (request, reply) =>
    sendPage(reply, clock, request.query, 'Subscriptions', subscriptionsPage(await store.recentSubscriptions(200), catalog)),
  );

  app.get('/subscriptions/:id', { schema: { params: IdParams, querystring: SubscriptionQuery } }, async (request, reply) => {
    const { id } = request.params;
    const subscription = /^[0-9a-f-]{36}$/i.test(id) ? await store.getSubscription(id) : undefined;
    if (!subscription) return sendPage(reply, clock, request.query, 'Not found', notFoundPage(`No subscription ${id}`), { status: 404 });
    const publisher = catalog.publisher(subscription.publisherId);
    const { token } = request.query;
    const landing = token && publisher ? deps.endpoints.landingLink(publisher, token) : undefined;
    const operations = await store.listOperations(subscription.id);
    const deliveries = await store.listDeliveries({ subscriptionId: subscription.id, limit: 50 });
    const waiting = operations.some((o) => o.status === 'InProgress') || deliveries.some((d) => d.status === 'Pending');
    const usage = await store.usage.of(subscription.id, USAGE_SHOWN);
    const body = subscriptionPage(subscription, catalog, { operations, deliveries, usage }, landing);
    return sendPage(reply, clock, request.query, subscription.name, body, waiting ? { refreshSeconds: 3 } : {});
  });

  app.post('/ui/subscriptions/:id/action', { schema: { params: SubscriptionParams, body: ActionForm } }, async (request, reply) => {
    const { action, planId, quantity } = request.body;
    const back = `/subscriptions/${request.params.id}`;
    return act(reply, back, async () => {
      const { operation, seatsChanged } = await fulfillment.operations.customerActionWithSeats(request.params.id, {
        action,
        planId: planId || undefined,
        quantity: action === 'ChangeQuantity' ? wholeNumber(quantity, 'quantity') : undefined,
      });
      // Said of the moment it was requested: the page below shows where the operation stands now.
      const outcome =
        operation.status === 'InProgress'
          ? 'Microsoft asked the publisher to accept or reject it (see Operations below)'
          : operation.status === 'Succeeded'
            ? 'done, and the publisher was notified'
            : 'it did not go through';
      const seats = seatsChanged
        ? ` The new plan is sold ${seatsChanged.to > seatsChanged.from ? 'from' : 'up to'} ${seatsChanged.to} seats, so the seats go from ${seatsChanged.from} to ${seatsChanged.to}.`
        : '';
      return withQuery(back, { notice: `${actionWords(action)} requested: ${outcome}.${seats}` });
    });
  });

  // "Configure account" / "Manage account": a fresh landing token, straight to the publisher's page.
  app.post('/ui/subscriptions/:id/landing', { schema: { params: SubscriptionParams } }, async (request, reply) =>
    act(reply, `/subscriptions/${request.params.id}`, async () => (await fulfillment.purchases.issueLandingToken(request.params.id)).landingPageUrl),
  );

  app.post('/ui/clock', { schema: { body: ClockForm } }, async (request, reply) => {
    const { advanceBy } = request.body;
    return act(reply, '/subscriptions', async () => {
      const { applied } = await deps.advanceClock(advanceBy);
      return withQuery('/subscriptions', { notice: `Clock moved forward by ${advanceBy}; ${applied} scheduled event(s) ran.` });
    });
  });
}
