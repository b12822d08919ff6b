// The durable work queue's runner: claims due jobs from the table, checks each against its kind, runs
// its handler, and records the outcome (done, retry with backoff, or dead after the last attempt).
// Anything that calls out of the process runs here, after the state that caused it is on disk.
import { randomUUID } from 'node:crypto';
import { backoffDelay, type Clock } from '@saas-fulfillment/contract';
import { PollingLoop } from '@saas-fulfillment/store';
import { readJob, type Job, type JobHandlers, type JobKind, type JobRecord } from './job.js';
import type { JobQueue } from './queue.js';

/** Thrown by a handler that is not finished yet and wants to run again after `delayMs` (polling). */
export class RetryLater extends Error {
  constructor(
    readonly delayMs: number,
    reason: string,
  ) {
    super(reason);
  }
}

/** Thrown by a handler whose job can never succeed: no further attempts. */
export class GiveUp extends Error {}

export interface JobWorkerOptions {
  pollIntervalMs?: number;
  /**
   * A claim lasts this long and is renewed while the job runs, so a job whose worker died is taken back
   * soon after (default 15 s), while a slow job (a long provisioning hook) keeps its claim.
   */
  lockMs?: number;
  batchSize?: number;
  backoff?: (attempt: number) => number;
  /** `waiting`: the job asked to run again later (polling an operation); not a failure. */
  onOutcome?: (job: JobRecord, outcome: 'done' | 'waiting' | 'retry' | 'dead', error?: unknown) => void;
  /** A pass failed before any job ran (the database did not answer the claim). */
  onError?: (error: unknown) => void;
}

/** Jobs retry from a second up to five minutes apart. */
const JOB_BACKOFF = { baseDelayMs: 1000, maxDelayMs: 5 * 60_000 };

export class JobWorker extends PollingLoop {
  readonly id = `worker-${randomUUID().slice(0, 8)}`;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly queue: JobQueue,
    private readonly clock: Clock,
    private readonly handlers: JobHandlers,
    private readonly options: JobWorkerOptions = {},
  ) {
    super(
      () => this.claimAndRun(),
      options.pollIntervalMs ?? 200,
      (error) => options.onError?.(error),
    );
  }

  override async stop(): Promise<void> {
    await super.stop();
    await Promise.allSettled([...this.inFlight]);
  }

  private async claimAndRun(): Promise<number> {
    const now = this.clock.now();
    const lockUntil = new Date(now.getTime() + this.lockMs).toISOString();
    const jobs = await this.queue.claim(this.id, now.toISOString(), lockUntil, this.options.batchSize ?? 16);
    await Promise.all(jobs.map((job) => this.track(this.run(job))));
    return jobs.length;
  }

  private async track(work: Promise<void>): Promise<void> {
    this.inFlight.add(work);
    try {
      await work;
    } finally {
      this.inFlight.delete(work);
    }
  }

  private get lockMs(): number {
    return this.options.lockMs ?? 15_000;
  }

  private async run(record: JobRecord): Promise<void> {
    const at = () => this.clock.now().toISOString();
    const renew = () => void this.queue.extendLock(record.id, this.id, new Date(this.clock.now().getTime() + this.lockMs).toISOString()).catch(() => undefined);
    const heartbeat = setInterval(renew, this.lockMs / 3);
    heartbeat.unref();
    try {
      const job = readJob(record);
      if (typeof job === 'string') throw new GiveUp(job);
      await this.handle(job);
      await this.queue.finish(record.id, this.id, at());
      this.options.onOutcome?.(record, 'done');
    } catch (error) {
      if (error instanceof RetryLater) {
        await this.queue.fail(record.id, this.id, undefined, new Date(this.clock.now().getTime() + error.delayMs).toISOString(), at());
        this.options.onOutcome?.(record, 'waiting');
        return;
      }
      const message = error instanceof Error ? error.message : String(error);
      const last = error instanceof GiveUp || record.attempts >= record.maxAttempts;
      const delay = (this.options.backoff ?? ((attempt: number) => backoffDelay(attempt, JOB_BACKOFF)))(record.attempts);
      await this.queue.fail(record.id, this.id, message, last ? undefined : new Date(this.clock.now().getTime() + delay).toISOString(), at());
      this.options.onOutcome?.(record, last ? 'dead' : 'retry', error);
    } finally {
      clearInterval(heartbeat);
    }
  }

  /** Hands a job to the handler of its kind (the kind and the handler's job type go together). */
  private handle<K extends JobKind>(job: Job<K>): Promise<void> {
    const handler = this.handlers[job.kind] as (job: Job<K>) => Promise<void>;
    return handler(job);
  }
}
