// POST /webhook: verify the JWT, read the body leniently, write it durably (deduplicated on the operation
// id) and answer 200 at once; a worker does the rest from the jobs table.
import type { FastifyInstance } from 'fastify';
import { ApiError } from '@saas-fulfillment/contract';
import type { PublisherFulfillment } from '../fulfillment/index.js';
import type { PublisherMetrics } from '../metrics.js';
import { WebhookAuthError, type WebhookVerifier } from './verify.js';

export interface WebhookRouteDeps {
  verifier: WebhookVerifier;
  fulfillment: PublisherFulfillment;
  metrics: PublisherMetrics;
}

export async function webhookRoutes(app: FastifyInstance, deps: WebhookRouteDeps): Promise<void> {
  app.post('/webhook', async (request, reply) => {
    try {
      await deps.verifier.verify(request.headers.authorization);
    } catch (error) {
      if (!(error instanceof WebhookAuthError)) throw error;
      deps.metrics.webhooks.inc({ action: 'unknown', result: 'unauthorized' });
      request.log.warn({ reason: error.message }, 'webhook refused');
      return reply.status(401).send({ code: 'Unauthorized', message: `The webhook's bearer token is not valid: ${error.message}` });
    }
    const notice = readNotice(request.body);
    const fresh = await deps.fulfillment.inbox.receiveWebhook({ ...notice, raw: JSON.stringify(request.body) });
    deps.metrics.webhooks.inc({ action: notice.action, result: fresh ? 'accepted' : 'duplicate' });
    request.log.debug({ operationId: notice.id, subscriptionId: notice.subscriptionId, action: notice.action, duplicate: !fresh }, 'webhook stored');
    return reply.status(200).send({ received: notice.id, duplicate: !fresh });
  });
}

/** The fields we need; everything else (new fields, new actions) is kept in the stored payload. */
function readNotice(body: unknown): { id: string; subscriptionId: string; action: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ApiError(400, 'BadArgument', 'The webhook body must be a JSON object', 'body');
  const fields = body as Record<string, unknown>;
  const text = (name: string) => {
    const value = fields[name];
    if (typeof value !== 'string' || value.trim() === '' || value.length > 200)
      throw new ApiError(400, 'BadArgument', `${name} must be a non-empty string`, name);
    return value.trim();
  };
  return { id: text('id'), subscriptionId: text('subscriptionId'), action: text('action') };
}
