// How transactions reach the database. SQLite has one writer and, with synchronous=FULL, each COMMIT
// waits for the disk; so transactions that arrive in the same turn of the event loop run one after the
// other inside one BEGIN/COMMIT, each in its own savepoint, and each is answered only after that shared
// commit is on disk. PostgreSQL already shares the WAL flush of concurrent commits, so there each
// transaction runs on its own pooled connection.
import { sql, type Kysely, type Transaction } from 'kysely';

/** Runs `work` in a transaction: all of its writes land together or none do; resolves once they are durable. */
export type Transact<Tables> = <T>(work: (trx: Transaction<Tables>) => Promise<T>) => Promise<T>;

/** One transaction per call, as Kysely runs it. */
export const eachAlone =
  <Tables>(db: Kysely<Tables>): Transact<Tables> =>
  (work) =>
    db.transaction().execute(work);

/** The most units one commit carries: bounds how long the first of them waits for its answer. */
const MAX_UNITS = 64;

interface Unit<Tables> {
  work: (trx: Transaction<Tables>) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Transactions that arrive together share one commit. A unit that throws is rolled back to its savepoint
 * and rejected alone; if the shared commit fails, every unit that had succeeded is rejected with that
 * failure (nothing of theirs landed). A unit must not wait on another transaction: it would wait for
 * its own batch to end.
 */
export function groupCommit<Tables>(db: Kysely<Tables>): Transact<Tables> {
  const waiting: Unit<Tables>[] = [];
  let scheduled = false;

  const flush = async (): Promise<void> => {
    const batch = waiting.splice(0, MAX_UNITS);
    scheduled = false;
    if (waiting.length > 0) schedule();
    const outcomes: Outcome[] = [];
    try {
      await db.transaction().execute(async (trx) => {
        for (const unit of batch) outcomes.push(batch.length === 1 ? await alone(unit, trx) : await inSavepoint(unit, trx));
        // A lone unit's failure rolls the whole transaction back, as it would without grouping.
        const only = outcomes[0];
        if (batch.length === 1 && only && !only.ok) throw only.error;
      });
    } catch (error) {
      for (const [i, unit] of batch.entries()) {
        const outcome = outcomes[i];
        unit.reject(outcome && !outcome.ok ? outcome.error : error);
      }
      return;
    }
    for (const [i, unit] of batch.entries()) {
      const outcome = outcomes[i] as Outcome;
      if (outcome.ok) unit.resolve(outcome.value);
      else unit.reject(outcome.error);
    }
  };

  // The next turn of the event loop: requests already read from their sockets have queued their units by then.
  const schedule = () => {
    scheduled = true;
    setImmediate(() => void flush());
  };

  return <T>(work: (trx: Transaction<Tables>) => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      waiting.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!scheduled) schedule();
    });
}

async function alone<Tables>(unit: Unit<Tables>, trx: Transaction<Tables>): Promise<Outcome> {
  try {
    return { ok: true, value: await unit.work(trx) };
  } catch (error) {
    return { ok: false, error };
  }
}

async function inSavepoint<Tables>(unit: Unit<Tables>, trx: Transaction<Tables>): Promise<Outcome> {
  await sql`savepoint unit`.execute(trx);
  const outcome = await alone(unit, trx);
  if (!outcome.ok) await sql`rollback to unit`.execute(trx);
  await sql`release unit`.execute(trx);
  return outcome;
}
