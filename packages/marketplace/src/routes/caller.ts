// Which publisher app a call to the marketplace API speaks for: the API's guard sets it from the access
// token before any handler runs.
import type { FastifyRequest } from 'fastify';
import type { PublisherConfig } from '../catalog.js';
import { MarketplaceErrors as E } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The publisher app the request's access token speaks for (set by the API's guard). */
    marketplaceCaller: PublisherConfig | null;
  }
}

/** The publisher app that made the request (the guard has already refused any other). */
export function caller(request: FastifyRequest): PublisherConfig {
  if (!request.marketplaceCaller) throw E.forbidden('The request was not authenticated');
  return request.marketplaceCaller;
}
