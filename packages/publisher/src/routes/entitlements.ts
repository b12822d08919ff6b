// The entitlement API the vendor's own application asks before letting anyone in: plan, seats, status and
// the access that status allows (Suspended: limited, data kept; Unsubscribed: none, data kept 7 days).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { ApiError } from '@saas-fulfillment/contract';
import { requireBearer } from '@saas-fulfillment/web';
import type { PublisherStore } from '../store/repository.js';
import type { LocalSubscription } from '../model.js';

const DATA_RETENTION_DAYS = 7;

export interface Entitlement {
  subscriptionId: string;
  offerId: string;
  planId: string;
  quantity: number | null;
  status: string;
  /** `full` while Subscribed; `limited` while Suspended (read-only, data kept); `none` otherwise. */
  access: 'full' | 'limited' | 'none';
  beneficiaryTenantId: string | null;
  /** For an Unsubscribed subscription: until when its data must be kept. */
  dataRetainedUntil: string | null;
}

function entitlementOf(s: LocalSubscription): Entitlement {
  const access = s.status === 'Subscribed' ? 'full' : s.status === 'Suspended' ? 'limited' : 'none';
  const retained = s.status === 'Unsubscribed' ? new Date(Date.parse(s.updated) + DATA_RETENTION_DAYS * 86_400_000).toISOString() : null;
  return {
    subscriptionId: s.id,
    offerId: s.offerId,
    planId: s.planId,
    quantity: s.quantity ?? null,
    status: s.status,
    access,
    beneficiaryTenantId: s.beneficiary.tenantId ?? null,
    dataRetainedUntil: retained,
  };
}

const SubscriptionParams = Type.Object({ subscriptionId: Type.String({ minLength: 1, maxLength: 100 }) });
const TenantQuery = Type.Object({ tenantId: Type.String({ minLength: 1, maxLength: 100 }) });

export async function entitlementRoutes(instance: FastifyInstance, deps: { store: PublisherStore; apiKey: string }): Promise<void> {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', requireBearer(deps.apiKey, 'the application API key'));

  app.get('/api/entitlements/:subscriptionId', { schema: { params: SubscriptionParams } }, async (request) => {
    const subscription = await deps.store.getSubscription(request.params.subscriptionId);
    if (!subscription) throw new ApiError(404, 'EntityNotFound', `No subscription ${request.params.subscriptionId}`, 'subscriptionId');
    return entitlementOf(subscription);
  });

  app.get('/api/entitlements', { schema: { querystring: TenantQuery } }, async (request) => ({
    entitlements: (await deps.store.subscriptionsByTenant(request.query.tenantId)).map(entitlementOf),
  }));
}
