// The emulator's background work: completes due operations, applies time rules and sends webhooks.
import { PollingLoop } from '@saas-fulfillment/store';
import type { FulfillmentService } from './fulfillment.js';
import type { WebhookDispatcher } from './webhooks/dispatcher.js';

export class MarketplaceWorker extends PollingLoop {
  constructor(fulfillment: FulfillmentService, dispatcher: WebhookDispatcher, pollIntervalMs: number, onError: (error: unknown) => void) {
    super(
      async () => {
        let done = await fulfillment.runDueWork();
        for (const outcome of await dispatcher.deliverDue()) {
          done++;
          if (outcome.settled) await fulfillment.webhookSettled(outcome.delivery, outcome.settled);
        }
        return done;
      },
      pollIntervalMs,
      onError,
    );
  }
}
