// The marketplace API under /api: a guard every call passes first (injected faults, the api-version, and
// an access token for a registered app; request and correlation ids echoed on every answer, errors
// included), wrapped around both of its parts, SaaS fulfillment and metering.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { API_VERSION } from '@saas-fulfillment/contract';
import { MarketplaceErrors as E } from '../errors.js';
import { AccessDenied, type TokenService } from '../identity/tokens.js';
import { holdBackAnswer, type FaultInjector } from '../simulator/faults.js';
import { type Chaos, withUnknownValues } from '../simulator/chaos.js';
import { fulfillmentRoutes, type FulfillmentRouteDeps } from './fulfillment.js';
import { meteringRoutes, type MeteringRouteDeps } from './metering.js';

export interface ApiRouteDeps extends FulfillmentRouteDeps, MeteringRouteDeps {
  tokens: TokenService;
  faults: FaultInjector;
  chaos: Chaos;
  /** Aborted when the emulator closes: a chaos hang lets go. */
  closing: AbortSignal;
}

export async function apiRoutes(app: FastifyInstance, deps: ApiRouteDeps): Promise<void> {
  app.decorateRequest('marketplaceCaller', null);
  app.addHook('onRequest', async (request, reply) => {
    echoRequestIds(request, reply);
    if (deps.faults.pending && (await deps.faults.apply(request, reply))) return reply;
    if (deps.chaos.active && (await applyChaos(deps.chaos, reply, deps.closing))) return reply;
    checkApiVersion(request);
    try {
      request.marketplaceCaller = await deps.tokens.authenticate(request.headers.authorization);
    } catch (error) {
      if (error instanceof AccessDenied) throw E.forbidden(error.message);
      throw error;
    }
  });
  app.addHook('onSend', holdBackAnswer);
  // Chaos may dress a subscription answer in fields and values newer than the spec.
  // A plain callback: with chaos off (always, in production use) the answer passes without a promise.
  app.addHook('onSend', (request, _reply, payload, done) => {
    const dress = deps.chaos.active && request.method === 'GET' && typeof payload === 'string' && request.url.includes('/saas/subscriptions');
    done(null, dress && deps.chaos.unknownValues() ? dressUp(payload) : payload);
  });
  await app.register(fulfillmentRoutes, { api: deps.api, publicUrl: deps.publicUrl });
  await app.register(meteringRoutes, { metering: deps.metering });
}

/** Answers the call with the failure chaos drew for it, if any; true when it did. */
async function applyChaos(chaos: Chaos, reply: FastifyReply, closing: AbortSignal): Promise<boolean> {
  const drawn = chaos.api();
  if (!drawn) return false;
  if (drawn.kind === 'hang') await sleep(drawn.ms, undefined, { signal: closing }).catch(() => undefined);
  else if (drawn.kind !== '500') reply.header('retry-after', String(drawn.retryAfterSeconds));
  const status = drawn.kind === 'hang' ? 503 : Number(drawn.kind);
  const message = `Chaos: ${drawn.kind === 'hang' ? `no answer for ${drawn.ms} ms` : `injected ${status}`}`;
  await reply.status(status).send(status >= 500 ? { error: { code: 'ChaosFault', message } } : { code: 'TooManyRequests', message });
  return true;
}

/** A subscription answer (one, or a page) with values newer than the spec added. */
function dressUp(payload: string): string {
  const body = JSON.parse(payload) as Record<string, unknown>;
  if (Array.isArray(body.subscriptions))
    return JSON.stringify({ ...body, subscriptions: body.subscriptions.map((s) => withUnknownValues(s as Record<string, unknown>)) });
  return typeof body.id === 'string' ? JSON.stringify(withUnknownValues(body)) : payload;
}

function echoRequestIds(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('x-ms-requestid', headerValue(request, 'x-ms-requestid') ?? randomUUID());
  reply.header('x-ms-correlationid', headerValue(request, 'x-ms-correlationid') ?? randomUUID());
}

function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  // Header values are echoed, so only a bounded, printable value is taken.
  return first && first.length <= 128 && /^[\x21-\x7e]+$/.test(first) ? first : undefined;
}

function checkApiVersion(request: FastifyRequest): void {
  const version = (request.query as Record<string, unknown> | undefined)?.['api-version'];
  if (version === undefined || version === '') throw E.apiVersionMissing();
  if (version !== API_VERSION) throw E.apiVersionUnsupported(request.url.split('?')[0] ?? '', String(version));
}
