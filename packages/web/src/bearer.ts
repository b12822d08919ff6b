// A shared key sent as a bearer token (the vendor's app calling the entitlement API, a Prometheus
// scraper reading /metrics), compared in constant time.
import { timingSafeEqual } from 'node:crypto';
import { ApiError } from '@saas-fulfillment/contract';
import type { FastifyRequest } from 'fastify';

/** An onRequest hook that lets through only requests bearing `key`. */
export function requireBearer(key: string, what: string): (request: FastifyRequest) => Promise<void> {
  const expected = Buffer.from(key);
  return async (request) => {
    const given = Buffer.from(/^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new ApiError(401, 'Unauthorized', `Send ${what} as a Bearer token`);
  };
}
