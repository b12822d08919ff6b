// The durable work queue's runner: claims due jobs from the table, runs each kind's handler, and records
// the outcome (done, retry with backoff, or dead after the last attempt). Anything that calls out of the
// process runs here, after the state that caused it is on disk.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../clock.js';
import type { Job, PublisherStore } from '../store/repository.js';

export type JobHandler = (job: Job) => Promise<void>;

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
  /** A claimed job not finished in this time is taken back by any worker (its holder is presumed dead). */
  lockMs?: number;
  batchSize?: number;
  backoff?: (attempt: number) => number;
  onOutcome?: (job: Job, outcome: 'done' | 'retry' | 'dead', error?: unknown) => void;
}

export class JobWorker {
  readonly id = `worker-${randomUUID().slice(0, 8)}`;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopped = true;
  private again = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly store: PublisherStore,
    private readonly clock: Clock,
    private readonly handlers: Record<string, JobHandler>,
    private readonly options: JobWorkerOptions = {},
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
    await Promise.allSettled([...this.inFlight]);
  }

  wake(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  /** Runs claim-and-work passes until one finds nothing due; for tests and shutdown. */
  async drain(): Promise<number> {
    let total = 0;
    for (let i = 0; i < 1000; i++) {
      const done = await this.pass();
      total += done;
      if (done === 0) break;
    }
    return total;
  }

  private schedule(delay: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delay);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      if ((await this.pass()) > 0) this.again = true;
    } catch (error) {
      this.options.onOutcome?.({ id: '-', kind: 'claim' } as Job, 'retry', error);
    }
    if (this.stopped) return;
    const now = this.again;
    this.again = false;
    this.schedule(now ? 0 : (this.options.pollIntervalMs ?? 200));
  }

  private async pass(): Promise<number> {
    while (this.running) await this.running.catch(() => undefined);
    this.running = this.claimAndRun();
    try {
      return await this.running;
    } finally {
      this.running = undefined;
    }
  }

  private async claimAndRun(): Promise<number> {
    const now = this.clock.now();
    const lockUntil = new Date(now.getTime() + (this.options.lockMs ?? 60_000)).toISOString();
    const jobs = await this.store.claimJobs(this.id, now.toISOString(), lockUntil, this.options.batchSize ?? 16);
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

  private async run(job: Job): Promise<void> {
    const handler = this.handlers[job.kind];
    const at = () => this.clock.now().toISOString();
    try {
      if (!handler) throw new GiveUp(`no handler for job kind ${job.kind}`);
      await handler(job);
      await this.store.finishJob(job.id, this.id, at());
      this.options.onOutcome?.(job, 'done');
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const last = error instanceof GiveUp || (job.attempts >= job.maxAttempts && !(error instanceof RetryLater));
      const delay = error instanceof RetryLater ? error.delayMs : (this.options.backoff ?? defaultBackoff)(job.attempts);
      const retryAt = last ? undefined : new Date(this.clock.now().getTime() + delay).toISOString();
      await this.store.failJob(job.id, this.id, message, retryAt, at());
      this.options.onOutcome?.(job, last ? 'dead' : 'retry', error);
    }
  }
}

export function defaultBackoff(attempt: number): number {
  return Math.min(1000 * 2 ** (attempt - 1), 5 * 60_000);
}
