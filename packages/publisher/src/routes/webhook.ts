// POST /webhook: the bearer JWT is checked first (a refused webhook leaves no trace but a metric and a
// log line), then the body, read leniently: the fields we act on must be there, anything else (new
// fields, new actions) is kept in the stored payload. It is written durably (deduplicated on the
// operation id) and answered 200 at once; a worker does the rest from the jobs table.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { OPERATION_ACTIONS } from '@saas-fulfillment/contract';
import type { FastifyInstance } from 'fastify';
import { answers } from '@saas-fulfillment/web';
import Type from 'typebox';
import { WebhookAuthError, type WebhookVerifier } from '../auth/webhook-verifier.js';
import type { PublisherFulfillment } from '../fulfillment/index.js';
import type { PublisherMetrics } from '../metrics.js';
import { activeTraceparent } from '../model/trace.js';
import { receiptOf, WebhookNotice } from '../model/webhooks.js';
import { PublisherErrors as E } from '../errors.js';

export interface WebhookRouteDeps {
  verifier: WebhookVerifier;
  fulfillment: PublisherFulfillment;
  metrics: PublisherMetrics;
}

/** 200 once the notice is on disk (a repeat of an operation already received says so); 401 for a bad token. */
const WEBHOOK_ANSWERS = answers({ 200: Type.Object({ received: Type.String(), duplicate: Type.Boolean() }) });

export async function webhookRoutes(instance: FastifyInstance, deps: WebhookRouteDeps): Promise<void> {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('onRequest', async (request, reply) => {
    try {
      await deps.verifier.verify(request.headers.authorization);
    } catch (error) {
      if (!(error instanceof WebhookAuthError)) throw error;
      deps.metrics.webhooks.inc({ action: 'unknown', result: 'unauthorized' });
      request.log.warn({ reason: error.message }, 'webhook refused');
      return reply.status(401).send(E.webhookUnauthorized(error.message).toBody());
    }
  });

  // What never reached the inbox: a body we could not read (refused) or a fault on our side, such as the
  // database being away (failed: Microsoft sends it again). The 401s are counted where they are refused.
  app.addHook('onResponse', async (_request, reply) => {
    if (reply.statusCode >= 500) deps.metrics.webhooks.inc({ action: 'unknown', result: 'failed' });
    else if (reply.statusCode >= 400 && reply.statusCode !== 401) deps.metrics.webhooks.inc({ action: 'unknown', result: 'refused' });
  });

  app.post('/webhook', { schema: { body: WebhookNotice, response: WEBHOOK_ANSWERS } }, async (request, reply) => {
    const notice = receiptOf(request.body, activeTraceparent());
    const fresh = await deps.fulfillment.inbox.receiveWebhook(notice);
    deps.metrics.webhooks.inc({ action: actionLabel(notice.action), result: fresh ? 'accepted' : 'duplicate' });
    request.log.debug({ operationId: notice.operationId, subscriptionId: notice.subscriptionId, action: notice.action, duplicate: !fresh }, 'webhook stored');
    return reply.status(200).send({ received: notice.operationId, duplicate: !fresh });
  });
}

/** A metric label from a known action only: a body's value would let any sender add label values without end. */
const actionLabel = (action: string): string => ((OPERATION_ACTIONS as readonly string[]).includes(action) ? action : 'other');
