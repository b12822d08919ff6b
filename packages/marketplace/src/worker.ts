// The emulator's background work: completes due operations, applies time rules and sends webhooks, one
// pass at a time. On close it takes no new pass; deliveries still in flight after the grace period are
// called off and left due, so they are sent again after a restart (publishers take webhooks at least once).
import { type LoopState, PollingLoop } from '@saas-fulfillment/store';
import type { BackgroundWork } from '@saas-fulfillment/web';
import type { Fulfillment } from './fulfillment/index.js';
import type { WebhookDispatcher } from './webhooks/dispatcher.js';

export class MarketplaceWorker implements BackgroundWork {
  private readonly loop: PollingLoop;

  constructor(fulfillment: Fulfillment, dispatcher: WebhookDispatcher, pollIntervalMs: number, onError: (error: unknown) => void) {
    this.loop = new PollingLoop(
      async (signal) => {
        let done = await fulfillment.timeRules.runDueWork();
        for (const outcome of await dispatcher.deliverDue(signal)) {
          done++;
          if (outcome.settled) await fulfillment.operations.webhookSettled(outcome.delivery, outcome.settled);
        }
        return done;
      },
      pollIntervalMs,
      onError,
    );
  }

  start(): void {
    this.loop.start();
  }

  /** Whether it runs, and whether its passes fail (readiness). */
  get state(): LoopState {
    return this.loop.state;
  }

  /** Work was queued: run a pass now rather than at the next poll. */
  wake(): void {
    this.loop.wake();
  }

  /** Runs passes until nothing is due (tests, the simulator's clock); returns how much was done. */
  drain(): Promise<number> {
    return this.loop.drain();
  }

  async stop(graceMs = Number.POSITIVE_INFINITY): Promise<string[]> {
    return (await this.loop.stop(graceMs)) ? [] : ['webhook deliveries in flight (left due: they are sent again after a restart)'];
  }
}
