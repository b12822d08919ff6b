// Tools meant for the developer's own machine (the simulator's control API and pages) answer loopback
// callers only, unless the app was started to allow others.
import { ApiError } from '@saas-fulfillment/contract';
import type { FastifyInstance } from 'fastify';

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/** Refuses non-loopback callers of every route of `app` (a plugin scope) with 403 naming how to allow them. */
export function loopbackOnly(app: FastifyInstance, options: { allowRemote: boolean; what: string; howToAllow: string }): void {
  if (options.allowRemote) return;
  app.addHook('onRequest', async (request) => {
    if (!isLoopback(request.socket.remoteAddress))
      throw new ApiError(403, 'Forbidden', `${options.what} answers loopback callers only (${options.howToAllow})`);
  });
}
