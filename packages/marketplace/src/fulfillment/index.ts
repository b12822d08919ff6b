// Microsoft's side of SaaS fulfillment, by responsibility: purchases and landing tokens, the operation
// engine, the time rules, and the API the publisher calls; all share one context.
import { FulfillmentApi } from './api.js';
import type { FulfillmentContext } from './context.js';
import { OperationEngine } from './operations.js';
import { Purchases } from './purchases.js';
import { TimeRules } from './time-rules.js';

export interface Fulfillment {
  api: FulfillmentApi;
  purchases: Purchases;
  operations: OperationEngine;
  timeRules: TimeRules;
}

export function createFulfillment(ctx: FulfillmentContext): Fulfillment {
  const operations = new OperationEngine(ctx);
  const purchases = new Purchases(ctx, operations);
  return { api: new FulfillmentApi(ctx, purchases, operations), purchases, operations, timeRules: new TimeRules(ctx, operations) };
}
