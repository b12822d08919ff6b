// The marketplace API under /api, both of its parts (SaaS fulfillment and metering) behind the checks
// every call passes first: injected faults, the api-version, and an access token for a registered app;
// request and correlation ids are echoed on every answer, errors included.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { API_VERSION } from '@saas-fulfillment/contract';
import type { PublisherConfig } from '../catalog.js';
import { MarketplaceErrors as E } from '../errors.js';
import { AccessDenied, type TokenService } from '../identity/tokens.js';
import { holdBackAnswer, type FaultInjector } from '../simulator/faults.js';
import { fulfillmentRoutes, type FulfillmentRouteDeps } from './fulfillment.js';
import { meteringRoutes, type MeteringRouteDeps } from './metering.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The publisher app the request's access token speaks for (set by the auth hook). */
    marketplaceCaller: PublisherConfig | null;
  }
}

export interface ApiRouteDeps extends FulfillmentRouteDeps, MeteringRouteDeps {
  tokens: TokenService;
  faults: FaultInjector;
}

export async function apiRoutes(app: FastifyInstance, deps: ApiRouteDeps): Promise<void> {
  app.decorateRequest('marketplaceCaller', null);
  app.addHook('onRequest', async (request, reply) => {
    echoRequestIds(request, reply);
    if (deps.faults.pending && (await deps.faults.apply(request, reply))) return reply;
    checkApiVersion(request);
    try {
      request.marketplaceCaller = await deps.tokens.authenticate(request.headers.authorization);
    } catch (error) {
      if (error instanceof AccessDenied) throw E.forbidden(error.message);
      throw error;
    }
  });
  app.addHook('onSend', holdBackAnswer);
  await app.register(fulfillmentRoutes, { api: deps.api, publicUrl: deps.publicUrl });
  await app.register(meteringRoutes, { metering: deps.metering });
}

/** The publisher app that made the request (the auth hook has already refused any other). */
export function caller(request: FastifyRequest): PublisherConfig {
  if (!request.marketplaceCaller) throw E.forbidden('The request was not authenticated');
  return request.marketplaceCaller;
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
