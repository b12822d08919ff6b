// The simulator moves the marketplace's clock: by an ISO 8601 duration, kept across restarts, and what
// falls due (renewals, trial ends, grace periods, acknowledgement windows) runs at once.
import { addDuration, parseDuration, type AdjustableClock } from '@saas-fulfillment/contract';
import type { MarketplaceStore } from '../store/repository.js';
import { MarketplaceErrors as E } from '../errors.js';
import type { ClockAdvance } from '../model/simulator.js';

/** The setting that keeps the clock's offset. */
export const CLOCK_OFFSET = 'clock-offset-ms';

/** Moves the marketplace clock by an ISO 8601 duration, keeps the offset, and runs what fell due. */
export function clockAdvancer(clock: AdjustableClock, store: MarketplaceStore, drain: () => Promise<number>) {
  return async (advanceBy: string): Promise<ClockAdvance> => {
    const duration = parseDuration(advanceBy);
    if (!duration) throw E.badDuration(advanceBy);
    const before = clock.now();
    clock.advance(addDuration(before, duration).getTime() - before.getTime());
    await store.settings.set(CLOCK_OFFSET, String(clock.offset));
    const applied = await drain();
    return { now: clock.now().toISOString(), offsetMs: clock.offset, applied };
  };
}
