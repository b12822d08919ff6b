// The store's own durable commit rate, the yardstick ingest and purchase rates are read against: one-row
// transactions, one after the other, for two seconds.

// Keys run on across measures: a key written before would make a commit that writes nothing.
let counter = 0;

/** `commit(i)` commits one small row in its own transaction; measured for `ms`. */
export async function rawCommitsPerSecond(commit: (i: number) => Promise<unknown>, ms = 2000): Promise<number> {
  const started = performance.now();
  let commits = 0;
  while (performance.now() - started < ms) {
    await commit(counter++);
    commits++;
  }
  return commits / ((performance.now() - started) / 1000);
}

/**
 * In a bench child: answers the parent's `raw-commits` message with a one-second measure, so the parent
 * can alternate it with its load (a shared host's drift then slows both alike).
 */
export function answerRawCommits(commit: (i: number) => Promise<unknown>): void {
  process.on('message', (message: { command?: string }) => {
    if (message.command === 'raw-commits') void rawCommitsPerSecond(commit, 1000).then((rate) => process.send?.({ rawCommits: rate }));
  });
}

/** A one-row transaction on a store with a settings table (both apps' stores have one). */
export const settingsCommit =
  (store: { transaction<T>(work: (tx: { settings: { setOnce(key: string, value: string): Promise<string> } }) => Promise<T>): Promise<T> }) => (i: number) =>
    store.transaction((tx) => tx.settings.setOnce(`bench-${i}`, 'x'));
