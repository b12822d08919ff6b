// What a subscription entitles its customer to, as the vendor's application asks before letting anyone in:
// plan, seats, status and the access that status allows (Suspended: limited, data kept; Unsubscribed:
// none, data kept 7 days).
import { Entitlement } from '@saas-fulfillment/contract';
import type { LocalSubscription } from './subscription.js';

const DATA_RETENTION_DAYS = 7;

export { Entitlement };

export function entitlementOf(s: LocalSubscription): Entitlement {
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
