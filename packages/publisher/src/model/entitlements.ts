// What a subscription entitles its customer to, as the vendor's application asks before letting anyone in:
// plan, seats, status and the access that status allows (Suspended: limited, data kept; Unsubscribed:
// none, data kept 7 days).
import type { LocalSubscription } from './subscription.js';

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
