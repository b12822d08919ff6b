// How transactions reach the database. SQLite has one writer and, with synchronous=FULL, each COMMIT
// waits for the disk; so transactions that arrive in the same turn of the event loop run one after the
// other inside one BEGIN/COMMIT, each in its own savepoint, and each is answered only after that shared
// commit is on disk. PostgreSQL already shares the WAL flush of concurrent commits, so there each
// transaction runs on its own pooled connection.
import { sql, type Kysely, type Transaction } from 'kysely';
import { coalesce, outcomeOf, type Outcome } from './coalesce.js';

/** Runs `work` in a transaction: all of its writes land together or none do; resolves once they are durable. */
export type Transact<Tables> = <T>(work: (trx: Transaction<Tables>) => Promise<T>) => Promise<T>;

/** One transaction per call, as Kysely runs it. */
export const eachAlone =
  <Tables>(db: Kysely<Tables>): Transact<Tables> =>
  (work) =>
    db.transaction().execute(work);

/** The most units one commit carries: bounds how long the first of them waits for its answer. */
const MAX_UNITS = 64;

type Work<Tables> = (trx: Transaction<Tables>) => Promise<unknown>;

/**
 * Transactions that arrive together share one commit. A unit that throws is rolled back to its savepoint
 * and rejected alone; if the shared commit fails, every unit is rejected (nothing of theirs landed). A
 * unit must not wait on another transaction: it would wait for its own batch to end.
 */
export function groupCommit<Tables>(db: Kysely<Tables>): Transact<Tables> {
  const run = coalesce<Work<Tables>, unknown>(async (units) => {
    // A lone unit needs no savepoint: it is the whole transaction, as it would be without grouping.
    const [only] = units;
    if (units.length === 1 && only) return [await outcomeOf(() => db.transaction().execute(only))];
    return db.transaction().execute(async (trx) => {
      const outcomes: Outcome<unknown>[] = [];
      for (const work of units) outcomes.push(await inSavepoint(work, trx));
      return outcomes;
    });
  }, MAX_UNITS);
  return <T>(work: (trx: Transaction<Tables>) => Promise<T>) => run(work) as Promise<T>;
}

async function inSavepoint<Tables>(work: Work<Tables>, trx: Transaction<Tables>): Promise<Outcome<unknown>> {
  await sql`savepoint unit`.execute(trx);
  const outcome = await outcomeOf(() => work(trx));
  if (!outcome.ok) await sql`rollback to unit`.execute(trx);
  await sql`release unit`.execute(trx);
  return outcome;
}
