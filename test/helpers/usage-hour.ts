// An open usage hour as the ledger hands it to pricing: what the pricing tests start from.
import type { UsageHour } from '@saas-fulfillment/publisher/internals';

export const openHour = (at: string, quantity: number, dimension = 'api_calls'): UsageHour => ({
  id: `${dimension}-${at}`,
  subscriptionId: 's',
  dimension,
  hour: at,
  quantity,
  records: 1,
  status: 'open',
  planId: undefined,
  termStart: undefined,
  included: 0,
  billable: 0,
  attempts: 0,
  nextAttemptAt: undefined,
  usageEventId: undefined,
  marketplaceStatus: undefined,
  acceptedQuantity: undefined,
  duplicate: false,
  lastError: undefined,
  sentAt: undefined,
  updated: at,
});
