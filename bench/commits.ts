// The store's own durable commit rate, the yardstick the ingest benchmarks are read against: one-row
// transactions, one after the other, for two seconds.
import type { PublisherStore } from '../packages/publisher/src/store/repository.js';

export async function rawCommitsPerSecond(store: PublisherStore): Promise<number> {
  const started = performance.now();
  let commits = 0;
  while (performance.now() - started < 2000) {
    await store.transaction((tx) => tx.settings.setOnce(`bench-${commits}`, 'x'));
    commits++;
  }
  return commits / ((performance.now() - started) / 1000);
}
