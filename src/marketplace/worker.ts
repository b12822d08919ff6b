// The emulator's background loop: completes due operations, applies time rules and sends webhooks.
// Woken at once when work is queued, otherwise it polls; one pass runs at a time.
import type { FulfillmentService } from './fulfillment.js';
import type { WebhookDispatcher } from './webhooks/dispatcher.js';

export class MarketplaceWorker {
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<number> | undefined;
  private again = false;
  private stopped = true;

  constructor(
    private readonly fulfillment: FulfillmentService,
    private readonly dispatcher: WebhookDispatcher,
    private readonly pollIntervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.pass?.catch(() => undefined);
  }

  /** Something was queued: run a pass now rather than at the next poll. */
  wake(): void {
    if (this.stopped) return;
    if (this.pass) this.again = true;
    else this.schedule(0);
  }

  /**
   * Runs passes until one finds nothing due, and returns how much was done. Tests and the simulator's
   * clock call this to see the consequences of a change before they answer.
   */
  async drain(): Promise<number> {
    let total = 0;
    for (let round = 0; round < 1000; round++) {
      const done = await this.runPass();
      total += done;
      if (done === 0) break;
    }
    return total;
  }

  private schedule(delay: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delay);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      const done = await this.runPass();
      if (done > 0) this.again = true;
    } catch (error) {
      this.onError(error);
    }
    if (this.stopped) return;
    const immediately = this.again;
    this.again = false;
    this.schedule(immediately ? 0 : this.pollIntervalMs);
  }

  /** One pass; concurrent callers share the pass in flight, then run their own. */
  private async runPass(): Promise<number> {
    while (this.pass) await this.pass.catch(() => undefined);
    this.pass = this.work();
    try {
      return await this.pass;
    } finally {
      this.pass = undefined;
    }
  }

  private async work(): Promise<number> {
    let done = await this.fulfillment.runDueWork();
    for (const outcome of await this.dispatcher.deliverDue()) {
      done++;
      if (outcome.settled) await this.fulfillment.webhookSettled(outcome.delivery, outcome.settled);
    }
    return done;
  }
}
