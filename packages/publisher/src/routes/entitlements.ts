// The entitlement API the vendor's own application asks before letting anyone in: plan, seats, status and
// the access that status allows (Suspended: limited, data kept; Unsubscribed: none, data kept 7 days).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { createHash } from 'node:crypto';
import Type from 'typebox';

import { guidKey } from '@saas-fulfillment/contract';
import { answers, requireBearer, type WrongKey } from '@saas-fulfillment/web';
import type { PublisherStore } from '../store/repository.js';
import { Entitlement, entitlementOf } from '../model/entitlements.js';
import { PublisherErrors as E } from '../errors.js';

const SubscriptionParams = Type.Object({ subscriptionId: Type.String({ minLength: 1, maxLength: 100 }) });
/**
 * Documented (routes/openapi.ts adds it to the document), not validated: any If-None-Match that is not the
 * current ETag simply does not match, and checking it would cost the hot path a validation per call.
 */
export const ConditionalHeaders = Type.Object({ 'if-none-match': Type.Optional(Type.String({ maxLength: 100, description: 'The ETag of the copy held' })) });
const Unchanged = Type.Null({ description: 'Unchanged since the ETag sent in If-None-Match: no body.' });
const TenantQuery = Type.Object({ tenantId: Type.String({ minLength: 1, maxLength: 100 }) });

/** An answer as sent: the entitlement's JSON and its digest, and when it was read. */
interface Answer {
  body: string;
  etag: string;
  version: number;
  readAt: number;
}

/** The most answers kept; past it the copies start over (a product asks about its active customers). */
const MAX_ANSWERS = 10_000;

export async function entitlementRoutes(
  instance: FastifyInstance,
  deps: { store: PublisherStore; apiKey: string; cacheMs: number; wrongKey: WrongKey },
): Promise<void> {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', requireBearer(deps.apiKey, 'the application API key', deps.wrongKey));
  const answerOf = answerCache(deps.store, deps.cacheMs);

  // The ETag is the entitlement's own digest: a cache that sends it back gets 304 and no body until it changes.
  app.get(
    '/api/entitlements/:subscriptionId',
    { schema: { params: SubscriptionParams, response: answers({ 200: Entitlement, 304: Unchanged }) } },
    async (request, reply) => {
      const answer = await answerOf(guidKey(request.params.subscriptionId));
      if (!answer) throw E.subscriptionNotFound(request.params.subscriptionId);
      reply.header('etag', answer.etag).header('cache-control', 'no-cache');
      // No payload at all: a 304 carries no body, and so no Content-Length or Content-Type either.
      if (request.headers['if-none-match'] === answer.etag) return (reply as FastifyReply).status(304).send();
      return (reply as FastifyReply).type('application/json; charset=utf-8').send(answer.body);
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

/**
 * Answers read from the store and kept for the product's hot path. In this process a kept answer is never
 * stale: it is trusted only while no subscription has been written since it was read (the store's
 * SubscriptionVersion). Another process's write (several instances on one PostgreSQL) is not seen here,
 * so no answer is kept longer than `cacheMs` (0: none is kept).
 */
function answerCache(store: PublisherStore, cacheMs: number): (id: string) => Promise<Answer | undefined> {
  const kept = new Map<string, Answer>();
  const version = store.subscriptionVersion;
  return async (id) => {
    const now = performance.now();
    const held = kept.get(id);
    if (held && held.version === version.current && now - held.readAt < cacheMs) return held;
    const before = version.current;
    const subscription = await store.getSubscription(id);
    if (!subscription) return undefined;
    const body = JSON.stringify(entitlementOf(subscription));
    const answer = { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`, version: before, readAt: now };
    if (cacheMs > 0) {
      if (kept.size >= MAX_ANSWERS) kept.clear();
      kept.set(id, answer);
    }
    return answer;
  };
}
