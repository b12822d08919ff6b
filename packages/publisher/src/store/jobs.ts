// The durable work queue's table: jobs are enqueued in the same transaction as the change that needs
// them, claimed by workers (FOR UPDATE SKIP LOCKED on PostgreSQL, so several publisher processes share
// the queue without taking the same job), renewed while they run, and finished, retried or set aside.
import { randomUUID } from 'node:crypto';
import { fromColumn, fromJson, toColumn, toJson, type DialectName } from '@saas-fulfillment/store';
import type { Kysely, Selectable } from 'kysely';
import type { PubJobRow, PublisherTables } from './schema.js';
import type { JobRecord, JobStatus, NewJob } from '../model/jobs.js';
import { activeTraceparent } from '../model/trace.js';

export class JobQueue {
  constructor(
    private readonly db: Kysely<PublisherTables>,
    private readonly dialect: DialectName,
  ) {}

  /** Queues a job; a job with the same dedupe key already queued (or done) wins, and undefined is returned. */
  async enqueue(job: NewJob): Promise<string | undefined> {
    const inserted = await this.db
      .insertInto('pub_jobs')
      .values(newJobRow(job))
      .onConflict((oc) => oc.column('dedupe_key').doNothing())
      .returning('id')
      .executeTakeFirst();
    return inserted?.id;
  }

  /** Queues jobs that need no dedupe key (what they are for is unique already), in one statement. */
  async enqueueAll(jobs: readonly Omit<NewJob, 'dedupeKey'>[]): Promise<void> {
    if (jobs.length > 0) await this.db.insertInto('pub_jobs').values(jobs.map(newJobRow)).execute();
  }

  /**
   * Claims up to `limit` due jobs for `worker`, also taking back jobs whose holder died (lock expired).
   * On PostgreSQL, FOR UPDATE SKIP LOCKED lets several publisher processes claim side by side without
   * waiting on each other or taking the same job.
   */
  async claim(worker: string, now: string, lockUntil: string, limit: number): Promise<JobRecord[]> {
    const rows = await this.db
      // Materialized: PostgreSQL may otherwise run a LIMIT ... SKIP LOCKED subquery once per row and claim more than `limit`.
      .with(
        (cte) => cte('due').materialized(),
        (db) => {
          const due = db
            .selectFrom('pub_jobs')
            .select('id')
            .where((eb) =>
              eb.or([eb.and([eb('status', '=', 'pending'), eb('run_at', '<=', now)]), eb.and([eb('status', '=', 'running'), eb('locked_until', '<', now)])]),
            )
            .orderBy('run_at')
            .limit(limit);
          return this.dialect === 'postgres' ? due.forUpdate().skipLocked() : due;
        },
      )
      .updateTable('pub_jobs')
      .set((eb) => ({ status: 'running', locked_by: worker, locked_until: lockUntil, attempts: eb('attempts', '+', 1), updated: now }))
      .where('id', 'in', (eb) => eb.selectFrom('due').select('due.id'))
      .returningAll()
      .execute();
    return rows.map(rowToJob);
  }

  /** Keeps a running job's claim alive: a job is only taken back once its holder stops renewing. */
  async extendLock(id: string, worker: string, until: string): Promise<void> {
    await this.db
      .updateTable('pub_jobs')
      .set({ locked_until: until })
      .where('id', '=', id)
      .where('locked_by', '=', worker)
      .where('status', '=', 'running')
      .execute();
  }

  async finish(id: string, worker: string, now: string): Promise<void> {
    await this.db
      .updateTable('pub_jobs')
      .set({ status: 'done', locked_by: null, locked_until: null, last_error: null, updated: now })
      .where('id', '=', id)
      .where('locked_by', '=', worker)
      .execute();
  }

  /** Ends a run that did not finish: to run again at `retryAt`, or dead. `error` is undefined for a job that only waits. */
  async fail(id: string, worker: string, error: string | undefined, retryAt: string | undefined, now: string): Promise<void> {
    await this.db
      .updateTable('pub_jobs')
      .set({
        status: retryAt ? 'pending' : 'dead',
        run_at: retryAt ?? now,
        locked_by: null,
        locked_until: null,
        last_error: error?.slice(0, 2000) ?? null,
        updated: now,
      })
      .where('id', '=', id)
      .where('locked_by', '=', worker)
      .execute();
  }

  /** Gives back the claims `worker` holds on these jobs: they run again at once, the attempt not counted. */
  async release(ids: readonly string[], worker: string, now: string): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable('pub_jobs')
      .set((eb) => ({ status: 'pending', run_at: now, locked_by: null, locked_until: null, attempts: eb('attempts', '-', 1), updated: now }))
      .where('id', 'in', [...ids])
      .where('locked_by', '=', worker)
      .where('status', '=', 'running')
      .execute();
  }

  /** Puts a dead (or waiting) job back to run now, with a fresh set of attempts. */
  async retry(id: string, now: string): Promise<boolean> {
    const result = await this.db
      .updateTable('pub_jobs')
      .set({ status: 'pending', run_at: now, attempts: 0, updated: now })
      .where('id', '=', id)
      .where('status', 'in', ['dead', 'pending'])
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async list(filter: { status?: JobStatus[]; subscriptionId?: string; limit: number }): Promise<JobRecord[]> {
    let query = this.db.selectFrom('pub_jobs').selectAll().orderBy('updated', 'desc').limit(filter.limit);
    if (filter.status) query = query.where('status', 'in', filter.status);
    if (filter.subscriptionId) query = query.where('payload', 'like', `%"subscriptionId":"${filter.subscriptionId.replace(/[%_"\\]/g, '')}"%`);
    return (await query.execute()).map(rowToJob);
  }

  async countByStatus(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('pub_jobs')
      .select((eb) => ['status', eb.fn.countAll<number | string>().as('n')])
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }
}

function rowToJob(r: Selectable<PubJobRow>): JobRecord {
  return {
    id: r.id,
    kind: r.kind,
    dedupeKey: fromColumn(r.dedupe_key),
    payload: fromJson(r.payload),
    status: r.status,
    attempts: Number(r.attempts),
    maxAttempts: Number(r.max_attempts),
    runAt: r.run_at,
    lockedBy: fromColumn(r.locked_by),
    lastError: fromColumn(r.last_error),
    created: r.created,
    updated: r.updated,
    traceContext: fromColumn(r.trace_context),
  };
}

/**
 * A pending job's row. Its id is ordered by time, so new rows land at the end of the id index instead of
 * on a random page of it: a commit of many jobs writes a few pages, not one per job.
 */
function newJobRow(job: NewJob | Omit<NewJob, 'dedupeKey'>) {
  return {
    id: timeOrderedId(),
    kind: job.kind,
    dedupe_key: 'dedupeKey' in job ? toColumn(job.dedupeKey) : null,
    payload: toJson<unknown>(job.payload),
    status: 'pending' as const,
    attempts: 0,
    max_attempts: job.maxAttempts ?? 8,
    run_at: job.runAt,
    locked_by: null,
    locked_until: null,
    last_error: null,
    created: job.runAt,
    updated: job.runAt,
    trace_context: job.traceContext ?? activeTraceparent() ?? null,
  };
}

/**
 * A UUID in version 7's layout: the millisecond time in the first 48 bits, then random bits (taken from
 * randomUUID, which draws from a pooled buffer: far cheaper per id than a fresh random read).
 */
export function timeOrderedId(now = Date.now()): string {
  const time = now.toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${randomUUID().slice(15)}`;
}
