// The entitlement API the vendor's own application asks before letting anyone in: plan, seats, status and
// the access that status allows (Suspended: limited, data kept; Unsubscribed: none, data kept 7 days).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';

import { guidKey } from '@saas-fulfillment/contract';
import { answers, requireBearer } from '@saas-fulfillment/web';
import type { PublisherStore } from '../store/repository.js';
import { Entitlement, entitlementOf } from '../model/entitlements.js';
import { PublisherErrors as E } from '../errors.js';

const SubscriptionParams = Type.Object({ subscriptionId: Type.String({ minLength: 1, maxLength: 100 }) });
const TenantQuery = Type.Object({ tenantId: Type.String({ minLength: 1, maxLength: 100 }) });

export async function entitlementRoutes(instance: FastifyInstance, deps: { store: PublisherStore; apiKey: string }): Promise<void> {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', requireBearer(deps.apiKey, 'the application API key'));

  app.get('/api/entitlements/:subscriptionId', { schema: { params: SubscriptionParams, response: answers({ 200: Entitlement }) } }, async (request) => {
    const subscription = await deps.store.getSubscription(guidKey(request.params.subscriptionId));
    if (!subscription) throw E.subscriptionNotFound(request.params.subscriptionId);
    return entitlementOf(subscription);
  });

  app.get(
    '/api/entitlements',
    { schema: { querystring: TenantQuery, response: answers({ 200: Type.Object({ entitlements: Type.Array(Entitlement) }) }) } },
    async (request) => ({
      entitlements: (await deps.store.subscriptionsByTenant(guidKey(request.query.tenantId))).map(entitlementOf),
    }),
  );
}
