// A shared key sent as a bearer token (the vendor's app calling the entitlement API, a Prometheus
// scraper reading /metrics), compared in constant time.
import { timingSafeEqual } from 'node:crypto';
import { ApiError } from '@saas-fulfillment/contract';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** The value whose key the request bears as its Bearer token, or undefined; every key is compared in constant time. */
export function bearerOf<T>(request: FastifyRequest, keys: ReadonlyMap<string, T>): T | undefined {
  const given = Buffer.from(/^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '');
  let found: T | undefined;
  for (const [key, value] of keys) {
    const expected = Buffer.from(key);
    if (given.length === expected.length && timingSafeEqual(given, expected)) found = value;
  }
  return found;
}

/** What a wrong or missing key is answered with (a brake on guessing may make the 401 a 429). */
export type WrongKey = (request: FastifyRequest, reply: FastifyReply, unauthorized: ApiError) => Promise<ApiError>;

/**
 * An onRequest hook that lets through only requests bearing `key`. A callback, not an async function: it
 * runs on every call of the product's hot path, where a promise per request shows; only a wrong key waits.
 */
export function requireBearer(
  key: string,
  what: string,
  wrongKey?: WrongKey,
): (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => void {
  const expected = Buffer.from(key);
  return (request, reply, done) => {
    const given = Buffer.from(/^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return done();
    const unauthorized = new ApiError(401, 'Unauthorized', `Send ${what} as a Bearer token`, 'authorization');
    if (!wrongKey) return done(unauthorized);
    wrongKey(request, reply, unauthorized).then(done, done);
  };
}
