// Reset and seeds: back to the start, which is the seed when one was given (`--seed`, POST
// /simulator/seed) and nothing otherwise: the state, the request log, faults, chaos and the clock.
import type { AdjustableClock } from '@saas-fulfillment/contract';
import type { FulfillmentContext } from '../fulfillment/context.js';
import type { Fulfillment } from '../fulfillment/index.js';
import type { Chaos } from './chaos.js';
import { CLOCK_OFFSET } from './clock.js';
import type { Seed } from './documents.js';
import type { FaultInjector } from './faults.js';
import type { RequestLog } from './requests.js';
import { checkedSeed, seedTables, startPendingChanges, type PendingChange } from './seed.js';

export interface ResetDeps {
  context: FulfillmentContext;
  fulfillment: Fulfillment;
  clock: AdjustableClock;
  faults: FaultInjector;
  chaos: Chaos;
  requests: RequestLog;
  log: { info(obj: object, msg: string): void };
  /** In `dev`: the publisher beside the emulator forgets what it forgot. */
  onReset?: (() => Promise<void>) | undefined;
}

/** What a reset did: back to a seed (or to nothing), and the publisher beside the emulator emptied too (under dev). */
export interface ResetDone {
  seeded: boolean;
  publisherToo: boolean;
}

export class Resets {
  private seed: Seed | undefined;

  constructor(
    private readonly deps: ResetDeps,
    seed: unknown,
  ) {
    this.seed = seed === undefined ? undefined : checkedSeed(seed);
  }

  /** At start: the seed's rows written; its pending changes returned, to start once the emulator listens. */
  async start(): Promise<PendingChange[]> {
    return this.seed ? this.resetTo(this.seed) : [];
  }

  /** Back to the seed (or to nothing); says which, and whether a publisher beside the emulator (dev) forgot its state too. */
  async reset(): Promise<ResetDone> {
    await this.resetFully(this.seed);
    this.deps.log.info({ seeded: this.seed !== undefined }, this.seed ? 'marketplace state reset to its seed' : 'marketplace state reset');
    return { seeded: this.seed !== undefined, publisherToo: this.deps.onReset !== undefined };
  }

  /** Loads a seed in place of the state, and makes it what `reset` returns to. */
  async load(document: unknown): Promise<{ subscriptions: number }> {
    const checked = checkedSeed(document);
    await this.resetFully(checked);
    this.seed = checked;
    const subscriptions = checked.subscriptions?.length ?? 0;
    this.deps.log.info({ subscriptions }, 'seed loaded');
    return { subscriptions };
  }

  /** Back to `to` with its changes started, and the publisher told. */
  private async resetFully(to: Seed | undefined): Promise<void> {
    await startPendingChanges(this.deps.fulfillment, await this.resetTo(to));
    await this.deps.onReset?.();
  }

  /** Empties the state and writes the seed's rows; returns the seed's changes, not yet started. */
  private async resetTo(to: Seed | undefined): Promise<PendingChange[]> {
    const { context, fulfillment, clock } = this.deps;
    const offset = clock.offset;
    clock.reset();
    let planned: ReturnType<typeof seedTables> | undefined;
    try {
      // Planned (on real time) before anything is emptied: a seed refused leaves the state as it was.
      planned = to && seedTables(context, fulfillment, to);
    } catch (error) {
      clock.advance(offset);
      throw error;
    }
    await context.store.replaceState(planned?.tables);
    this.deps.requests.clear();
    this.deps.faults.clear();
    this.deps.chaos.clear();
    await context.store.settings.set(CLOCK_OFFSET, '0');
    if (to?.endpoints) await context.endpoints.replace(to.endpoints);
    return planned?.pendingChanges ?? [];
  }
}
