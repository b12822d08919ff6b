// The durable work queue's runner: claims due jobs from the table, checks each against its kind, runs
// its handler, and records the outcome (done, retry with backoff, or dead after the last attempt).
// Anything that calls out of the process runs here, after the state that caused it is on disk. With the
// timers of reconciliation and usage submission, it is all the publisher does beside answering requests.
import { randomUUID } from 'node:crypto';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { backoffDelay, type Clock } from '@saas-fulfillment/contract';
import { type LoopState, PollingLoop } from '@saas-fulfillment/store';
import type { BackgroundWork } from '@saas-fulfillment/web';
import { GiveUp, readJob, RetryLater, type Job, type JobHandlers, type JobKind, type JobRecord } from './model/jobs.js';
import { contextOf } from './model/trace.js';
import type { JobQueue } from './store/jobs.js';

const tracer = trace.getTracer('saas-fulfillment-publisher');

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

export class JobWorker {
  readonly id = `worker-${randomUUID().slice(0, 8)}`;
  private readonly loop: PollingLoop;
  /** The jobs this worker is running now, by id: what a stop past its grace period releases. */
  private readonly running = new Map<string, JobRecord>();

  constructor(
    private readonly queue: JobQueue,
    private readonly clock: Clock,
    private readonly handlers: JobHandlers,
    private readonly options: JobWorkerOptions = {},
  ) {
    this.loop = new PollingLoop(
      () => this.claimAndRun(),
      options.pollIntervalMs ?? 200,
      (error) => options.onError?.(error),
    );
  }

  start(): void {
    this.loop.start();
  }

  /** Whether it runs, and whether its passes fail (readiness). */
  get state(): LoopState {
    return this.loop.state;
  }

  /** Work was queued: claim it now rather than at the next poll. */
  wake(): void {
    this.loop.wake();
  }

  /** Runs jobs until none is due (tests); returns how many ran. */
  drain(): Promise<number> {
    return this.loop.drain();
  }

  /**
   * Claims no new job; jobs running get `graceMs` to finish, then their claims are released so that the
   * next start, or another process, runs them again (every handler is safe to run twice). Resolves with
   * the jobs released.
   */
  async stop(graceMs = Number.POSITIVE_INFINITY): Promise<string[]> {
    if (await this.loop.stop(graceMs)) return [];
    const unfinished = [...this.running.values()];
    await this.queue.release(
      unfinished.map((job) => job.id),
      this.id,
      this.clock.now().toISOString(),
    );
    return unfinished.map((job) => `${job.kind} job ${job.id} (released: it runs again after a restart)`);
  }

  private async claimAndRun(): Promise<number> {
    const now = this.clock.now();
    const lockUntil = new Date(now.getTime() + this.lockMs).toISOString();
    const jobs = await this.queue.claim(this.id, now.toISOString(), lockUntil, this.options.batchSize ?? 16);
    await Promise.all(jobs.map((job) => this.track(job)));
    return jobs.length;
  }

  private async track(job: JobRecord): Promise<void> {
    this.running.set(job.id, job);
    try {
      await this.run(job);
    } finally {
      this.running.delete(job.id);
    }
  }

  private get lockMs(): number {
    return this.options.lockMs ?? 15_000;
  }

  /**
   * Runs a job in a span that continues the trace it was queued in (the context is stored with the job, so
   * a run after a restart joins the same trace), linked to the span that queued it.
   */
  private run(record: JobRecord): Promise<void> {
    const parent = contextOf(record.traceContext);
    const queuedBy = trace.getSpanContext(parent);
    const subscriptionId = (record.payload as { subscriptionId?: unknown } | null)?.subscriptionId;
    const attributes = {
      'saas.job.id': record.id,
      'saas.job.kind': record.kind,
      'saas.job.attempt': record.attempts,
      ...(typeof subscriptionId === 'string' ? { 'saas.subscription_id': subscriptionId } : {}),
    };
    return tracer.startActiveSpan(
      `job ${record.kind}`,
      { kind: SpanKind.CONSUMER, attributes, links: queuedBy ? [{ context: queuedBy }] : [] },
      parent,
      async (span) => {
        try {
          const outcome = await this.runTraced(record);
          span.setAttribute('saas.job.outcome', outcome);
          if (outcome === 'retry' || outcome === 'dead') span.setStatus({ code: SpanStatusCode.ERROR });
        } finally {
          span.end();
        }
      },
    );
  }

  private async runTraced(record: JobRecord): Promise<'done' | 'waiting' | 'retry' | 'dead'> {
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
      return 'done';
    } catch (error) {
      if (error instanceof RetryLater) {
        await this.queue.fail(record.id, this.id, undefined, new Date(this.clock.now().getTime() + error.delayMs).toISOString(), at());
        this.options.onOutcome?.(record, 'waiting');
        return 'waiting';
      }
      const message = error instanceof Error ? error.message : String(error);
      const last = error instanceof GiveUp || record.attempts >= record.maxAttempts;
      const delay = (this.options.backoff ?? ((attempt: number) => backoffDelay(attempt, JOB_BACKOFF)))(record.attempts);
      await this.queue.fail(record.id, this.id, message, last ? undefined : new Date(this.clock.now().getTime() + delay).toISOString(), at());
      this.options.onOutcome?.(record, last ? 'dead' : 'retry', error);
      return last ? 'dead' : 'retry';
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

export interface Schedule {
  /** Queue a reconciliation when the worker starts. */
  reconcileOnStart: boolean;
  /** Queue a reconciliation at this interval (0: never on a timer). */
  reconcileEveryMs: number;
  /** Send closed usage hours at this interval (0: only on demand). */
  meteringEveryMs: number;
}

/**
 * All the publisher does beside answering requests: the job worker, reconciliation on a timer and usage
 * submission on a timer. Stopped first when the service closes, and drained within the grace period.
 */
export class PublisherWorker implements BackgroundWork {
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    readonly jobs: JobWorker,
    private readonly work: {
      reconcile: () => Promise<void>;
      submitUsage: () => Promise<unknown>;
      stopUsage: (graceMs: number) => Promise<string[]>;
      log: { error(obj: object, msg: string): void };
    },
    private readonly schedule: Schedule,
  ) {}

  async start(): Promise<void> {
    const { work, schedule } = this;
    if (schedule.reconcileOnStart) await work.reconcile();
    this.jobs.start();
    this.every(schedule.reconcileEveryMs, () =>
      work.reconcile().catch((error: unknown) => work.log.error({ err: error }, 'could not schedule reconciliation')),
    );
    this.every(schedule.meteringEveryMs, () =>
      work.submitUsage().catch((error: unknown) => work.log.error({ err: error }, 'usage submission failed; the next pass retries')),
    );
  }

  async stop(graceMs = Number.POSITIVE_INFINITY): Promise<string[]> {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    const [jobs, usage] = await Promise.all([this.jobs.stop(graceMs), this.work.stopUsage(graceMs)]);
    return [...jobs, ...usage];
  }

  private every(ms: number, run: () => Promise<unknown>): void {
    if (ms <= 0) return;
    const timer = setInterval(() => void run(), ms);
    timer.unref();
    this.timers.push(timer);
  }
}
