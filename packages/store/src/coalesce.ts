// Calls that arrive in the same turn of the event loop, handled as one batch: the requests a server has
// read from its sockets by then queue their items together, and one write serves them all.

/** What became of one item of a batch: its own value, or its own error. */
export type Outcome<Out> = { ok: true; value: Out } | { ok: false; error: unknown };

/** Adds an item to the batch being gathered; resolves with that item's outcome once its batch is handled. */
export type Coalesced<In, Out> = (item: In) => Promise<Out>;

/**
 * Gathers items until the next turn of the event loop, then hands at most `maxBatch` of them to `handle`,
 * which returns one outcome per item in order (or throws, failing all of them). At most `concurrency`
 * batches run at once; items that come meanwhile wait and form the next batch.
 */
export function coalesce<In, Out>(handle: (items: In[]) => Promise<Outcome<Out>[]>, maxBatch: number, concurrency = 1): Coalesced<In, Out> {
  const waiting: { item: In; resolve: (value: Out) => void; reject: (error: unknown) => void }[] = [];
  let scheduled = false;
  let running = 0;

  const flush = async () => {
    scheduled = false;
    if (running >= concurrency || waiting.length === 0) return;
    const batch = waiting.splice(0, maxBatch);
    running++;
    if (waiting.length > 0) schedule();
    let outcomes: Outcome<Out>[];
    try {
      outcomes = await handle(batch.map((entry) => entry.item));
    } catch (error) {
      outcomes = batch.map(() => ({ ok: false, error }));
    } finally {
      running--;
    }
    for (const [i, entry] of batch.entries()) {
      const outcome = outcomes[i] ?? { ok: false, error: new Error('the batch gave no outcome for this item') };
      if (outcome.ok) entry.resolve(outcome.value);
      else entry.reject(outcome.error);
    }
    if (waiting.length > 0 && !scheduled) schedule();
  };

  const schedule = () => {
    scheduled = true;
    setImmediate(() => void flush());
  };

  return (item) =>
    new Promise<Out>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (!scheduled) schedule();
    });
}

/** Runs `work`, its value or its error as an outcome. */
export async function outcomeOf<Out>(work: () => Promise<Out>): Promise<Outcome<Out>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    return { ok: false, error };
  }
}
