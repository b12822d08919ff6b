// The entitlement API the vendor's own application asks before letting anyone in: plan, seats, status and
// the access that status allows (Suspended: limited, data kept; Unsubscribed: none, data kept 7 days).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { createHash } from 'node:crypto';
import Type from 'typebox';

import { guidKey } from '@saas-fulfillment/contract';
import { answers, requireBearer } from '@saas-fulfillment/web';
import type { PublisherStore } from '../store/repository.js';
import { Entitlement, entitlementOf } from '../model/entitlements.js';
import { PublisherErrors as E } from '../errors.js';

const SubscriptionParams = Type.Object({ subscriptionId: Type.String({ minLength: 1, maxLength: 100 }) });
const ConditionalHeaders = Type.Object({ 'if-none-match': Type.Optional(Type.String({ maxLength: 100, description: 'The ETag of the copy held' })) });
const Unchanged = Type.Null({ description: 'Unchanged since the ETag sent in If-None-Match: no body.' });
const TenantQuery = Type.Object({ tenantId: Type.String({ minLength: 1, maxLength: 100 }) });

export async function entitlementRoutes(instance: FastifyInstance, deps: { store: PublisherStore; apiKey: string }): Promise<void> {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', requireBearer(deps.apiKey, 'the application API key'));

  // The ETag is the entitlement's own digest: a cache that sends it back gets 304 and no body until it changes.
  app.get(
    '/api/entitlements/:subscriptionId',
    { schema: { params: SubscriptionParams, headers: ConditionalHeaders, response: answers({ 200: Entitlement, 304: Unchanged }) } },
    async (request, reply) => {
      const subscription = await deps.store.getSubscription(guidKey(request.params.subscriptionId));
      if (!subscription) throw E.subscriptionNotFound(request.params.subscriptionId);
      const entitlement = entitlementOf(subscription);
      const etag = `"${createHash('sha256').update(JSON.stringify(entitlement)).digest('base64url').slice(0, 22)}"`;
      reply.header('etag', etag).header('cache-control', 'no-cache');
      // No payload at all: a 304 carries no body, and so no Content-Length or Content-Type either.
      if (request.headers['if-none-match'] === etag) return (reply as FastifyReply).status(304).send();
      return entitlement;
    },
  );

  app.get(
    '/api/entitlements',
    { schema: { querystring: TenantQuery, response: answers({ 200: Type.Object({ entitlements: Type.Array(Entitlement) }) }) } },
    async (request) => ({
      entitlements: (await deps.store.subscriptionsByTenant(guidKey(request.query.tenantId))).map(entitlementOf),
    }),
  );
}
