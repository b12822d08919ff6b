// What a platform asks of the emulator: /healthz (the process answers) and /readyz (its database answers).
import type { FastifyInstance } from 'fastify';
import { healthProbes } from '@saas-fulfillment/web';
import type { MarketplaceStore } from '../store/repository.js';

export async function healthRoutes(app: FastifyInstance, deps: { store: MarketplaceStore }): Promise<void> {
  healthProbes(app, deps.store);
}
