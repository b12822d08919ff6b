// The store's own durable commit rate, the yardstick ingest and purchase rates are read against: one-row
// transactions, one after the other, for two seconds.

/** `commit(i)` commits one small row in its own transaction. */
export async function rawCommitsPerSecond(commit: (i: number) => Promise<unknown>): Promise<number> {
  const started = performance.now();
  let commits = 0;
  while (performance.now() - started < 2000) await commit(commits++);
  return commits / ((performance.now() - started) / 1000);
}

/** A one-row transaction on a store with a settings table (both apps' stores have one). */
export const settingsCommit =
  (store: { transaction<T>(work: (tx: { settings: { setOnce(key: string, value: string): Promise<string> } }) => Promise<T>): Promise<T> }) => (i: number) =>
    store.transaction((tx) => tx.settings.setOnce(`bench-${i}`, 'x'));
