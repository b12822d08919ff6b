// The emulator's background work: completes due operations, applies time rules and sends webhooks.
import { PollingLoop } from '@saas-fulfillment/store';
import type { Fulfillment } from './fulfillment/index.js';
import type { WebhookDispatcher } from './webhooks/dispatcher.js';

export class MarketplaceWorker extends PollingLoop {
  constructor(fulfillment: Fulfillment, dispatcher: WebhookDispatcher, pollIntervalMs: number, onError: (error: unknown) => void) {
    super(
      async () => {
        let done = await fulfillment.timeRules.runDueWork();
        for (const outcome of await dispatcher.deliverDue()) {
          done++;
          if (outcome.settled) await fulfillment.operations.webhookSettled(outcome.delivery, outcome.settled);
        }
        return done;
      },
      pollIntervalMs,
      onError,
    );
  }
}
