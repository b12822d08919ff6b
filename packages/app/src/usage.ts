// Usage that is never lost, and never lost in silence: each record gets its idempotency key once, is
// written to a journal on disk (optional) before `record()` returns, and is sent in batches to the
// publisher's POST /api/usage, again after a failure with backoff, until the publisher answers for it. A
// record the publisher accepted or already had is done; one it refused is told to the caller four ways:
// its outcome (`outcome(key)`), a `refused` event, the counts, and a warning in the log. A process killed
// at any point sends, once started again on the same journal, every record it had acknowledged to its
// caller, and none twice (the keys make a resend a duplicate). Each request says when it was sent
// (`Sent-At`), so a publisher whose clock differs (a moved marketplace clock, a skewed host) reads each
// record's time on its own clock.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdirSync, readFileSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import path from 'node:path';
import type { UsageBatchResult, UsageRecord } from '@saas-fulfillment/contract';
import { call, PublisherError, type PublisherConnection } from './http.js';

export interface UsageOptions {
  /** A file that keeps records until the publisher has them, so a crash loses none (default: memory only). */
  journal?: string;
  /** Records per request (default 500, at most 1,000). */
  batchSize?: number;
  /** How often buffered records are sent (default 1 s). */
  flushIntervalMs?: number;
  /** Back-off after a failed send: from this (default 500 ms), doubling, to `maxRetryMs` (default 30 s). */
  retryMs?: number;
  maxRetryMs?: number;
  /** Told of each failed send (the records stay and are sent again); also the `failed` event. */
  onError?: (error: Error) => void;
  /** Where a refusal is written as one line (default console.warn; false: nowhere, when you log the `refused` event yourself). */
  log?: ((line: string) => void) | false;
}

/** A record as the product reports it: the time defaults to now, the key is made once if not given. */
export type NewUsage = Omit<UsageRecord, 'timestamp' | 'idempotencyKey'> & { timestamp?: string | Date; idempotencyKey?: string };

/** A record the publisher refused, with its reason (it is not sent again). */
export interface Refusal {
  record: UsageRecord;
  code: string;
  field: string;
  message: string;
}

/**
 * What became of a record: accepted (billed in `billingHour`, on the publisher's clock), a duplicate of one
 * the publisher already has, refused (why, naming the field), or still waiting for the publisher's answer.
 */
export type UsageOutcome =
  | { status: 'accepted'; billingHour: string }
  | { status: 'duplicate' }
  | { status: 'refused'; code: string; field: string; message: string }
  | { status: 'waiting' };

/**
 * The recorder's events: `settled` for each record the publisher answered for (its key, what became of it,
 * the record), `refused` for each it refused, `failed` for each send that failed (the records wait).
 */
interface UsageEvents {
  settled: [key: string, outcome: Exclude<UsageOutcome, { status: 'waiting' }>, record: UsageRecord];
  refused: [refusal: Refusal];
  failed: [error: Error];
}

type Entry = { add: UsageRecord } | { done: string };

/** Outcomes remembered for `outcome(key)` after the record is done: the newest this many. */
const OUTCOMES_KEPT = 10_000;

export class UsageRecorder extends EventEmitter<UsageEvents> {
  private readonly pending = new Map<string, UsageRecord>();
  private readonly outcomes = new Map<string, Exclude<UsageOutcome, { status: 'waiting' }>>();
  private readonly waiters = new Map<string, ((outcome: UsageOutcome) => void)[]>();
  private journal: FileHandle | undefined;
  private journalWrites: Promise<void> = Promise.resolve();
  /** record() calls whose line is on its way to the journal: the journal is not emptied under them. */
  private recording = 0;
  private sending: Promise<void> | undefined;
  private retryAt = 0;
  private failures = 0;
  private readonly timer: NodeJS.Timeout;
  /** Records the publisher accepted, already had, or refused, since this recorder started. */
  readonly counts = { accepted: 0, duplicates: 0, refused: 0 };
  /** The last refusals (up to 100), for the product's logs and pages. */
  readonly refusals: Refusal[] = [];

  private constructor(
    private readonly connection: PublisherConnection,
    private readonly options: UsageOptions,
  ) {
    super();
    this.timer = setInterval(() => void this.flush().catch(() => undefined), options.flushIntervalMs ?? 1000).unref();
  }

  /** A recorder; with a journal, the records a previous process left in it are taken up and sent. */
  static async open(connection: PublisherConnection, options: UsageOptions = {}): Promise<UsageRecorder> {
    const recorder = new UsageRecorder(connection, options);
    if (options.journal) {
      for (const record of readJournal(options.journal)) recorder.pending.set(record.idempotencyKey ?? '', record);
      mkdirSync(path.dirname(path.resolve(options.journal)), { recursive: true });
      recorder.journal = await open(options.journal, 'a');
    }
    return recorder;
  }

  /** Records waiting to be sent (or sent and not yet answered). */
  get waiting(): number {
    return this.pending.size;
  }

  /** Keeps the record (on disk first, with a journal) and returns its idempotency key; it is sent with the next batch. */
  async record(usage: NewUsage): Promise<string> {
    const timestamp = usage.timestamp instanceof Date ? usage.timestamp.toISOString() : (usage.timestamp ?? new Date().toISOString());
    const record: UsageRecord = { ...usage, timestamp, idempotencyKey: usage.idempotencyKey ?? randomUUID() };
    const key = record.idempotencyKey as string;
    this.recording++;
    try {
      await this.write([{ add: record }]);
    } finally {
      this.recording--;
    }
    this.pending.set(key, record);
    if (this.pending.size >= this.batchSize) void this.flush().catch(() => undefined);
    return key;
  }

  /**
   * What became of the record with this key: sends what is waiting now and resolves once the publisher has
   * answered for it, or with `waiting` after `timeoutMs` (default 5 s; the record is still kept and sent).
   */
  async outcome(key: string, options: { timeoutMs?: number } = {}): Promise<UsageOutcome> {
    const known = this.outcomes.get(key);
    if (known) return known;
    if (!this.pending.has(key)) return { status: 'waiting' };
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle({ status: 'waiting' }), options.timeoutMs ?? 5000).unref();
      const settle = (outcome: UsageOutcome) => {
        clearTimeout(timer);
        const list = this.waiters.get(key)?.filter((waiter) => waiter !== settle);
        if (list?.length) this.waiters.set(key, list);
        else this.waiters.delete(key);
        resolve(outcome);
      };
      this.waiters.set(key, [...(this.waiters.get(key) ?? []), settle]);
      this.retryAt = 0;
      void this.flush().catch(() => undefined);
    });
  }

  /** Sends what is waiting now (one send at a time); resolves when the publisher has answered for it or the send failed. */
  flush(): Promise<void> {
    this.sending ??= this.sendAll().finally(() => {
      this.sending = undefined;
    });
    return this.sending;
  }

  /** Sends what is waiting (ignoring the back-off once) and stops; with a journal, what could not be sent stays in it. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.retryAt = 0;
    await this.flush().catch(() => undefined);
    await this.journalWrites;
    await this.journal?.close();
    for (const [key, list] of this.waiters) for (const waiter of list) waiter(this.outcomes.get(key) ?? { status: 'waiting' });
  }

  private get batchSize(): number {
    return Math.min(this.options.batchSize ?? 500, 1000);
  }

  private async sendAll(): Promise<void> {
    if (Date.now() < this.retryAt) return;
    while (this.pending.size > 0) {
      const batch = [...this.pending.values()].slice(0, this.batchSize);
      try {
        const answer = await call(this.connection, '/api/usage', { method: 'POST', body: batch, headers: { 'sent-at': new Date().toISOString() } });
        await this.settle(batch, answer.body as UsageBatchResult);
        this.failures = 0;
      } catch (error) {
        this.failures++;
        const delay = Math.min((this.options.retryMs ?? 500) * 2 ** (this.failures - 1), this.options.maxRetryMs ?? 30_000);
        this.retryAt = Date.now() + delay;
        const failure = error instanceof Error ? error : new Error(String(error));
        this.options.onError?.(failure);
        if (this.listenerCount('failed') > 0) this.emit('failed', failure);
        // A refusal of the whole request (a wrong key) is a setting to fix; the records wait for it.
        if (!(error instanceof PublisherError)) throw failure;
        return;
      }
    }
  }

  /** Each record's answer: done (accepted or a duplicate) or refused, written to the journal, then told. */
  private async settle(batch: UsageRecord[], answer: UsageBatchResult): Promise<void> {
    const done: Entry[] = [];
    const settled: [string, Exclude<UsageOutcome, { status: 'waiting' }>, UsageRecord][] = [];
    for (const result of answer.results) {
      const record = batch[result.index];
      if (!record) continue;
      const key = record.idempotencyKey as string;
      if (result.status === 'accepted') {
        this.counts.accepted++;
        settled.push([key, { status: 'accepted', billingHour: result.billingHour ?? '' }, record]);
      } else if (result.status === 'duplicate') {
        this.counts.duplicates++;
        settled.push([key, { status: 'duplicate' }, record]);
      } else {
        const refusal = { record, code: result.error?.code ?? 'Refused', field: result.error?.field ?? '', message: result.error?.message ?? '' };
        this.refused(refusal);
        settled.push([key, { status: 'refused', code: refusal.code, field: refusal.field, message: refusal.message }, record]);
      }
      done.push({ done: key });
    }
    await this.write(done);
    for (const entry of done) if ('done' in entry) this.pending.delete(entry.done);
    for (const [key, outcome, record] of settled) {
      this.remember(key, outcome);
      this.emit('settled', key, outcome, record);
    }
    // Everything answered for: the journal holds nothing worth reading again, so it starts over.
    const journal = this.journal;
    if (journal && this.pending.size === 0 && this.recording === 0) {
      this.journalWrites = this.journalWrites.then(() => journal.truncate(0));
      await this.journalWrites;
    }
  }

  /** A refusal, counted, kept, logged and emitted: the product hears of it even if it listens to nothing. */
  private refused(refusal: Refusal): void {
    this.counts.refused++;
    this.refusals.push(refusal);
    if (this.refusals.length > 100) this.refusals.shift();
    const log = this.options.log ?? ((line: string) => console.warn(line));
    if (log)
      log(
        `@saas-fulfillment/app: usage refused by the publisher (${refusal.code}, ${refusal.field}): ${refusal.message} [${refusal.record.quantity} ${refusal.record.dimension} of subscription ${refusal.record.subscriptionId} at ${refusal.record.timestamp}]`,
      );
    this.emit('refused', refusal);
  }

  private remember(key: string, outcome: Exclude<UsageOutcome, { status: 'waiting' }>): void {
    this.outcomes.set(key, outcome);
    if (this.outcomes.size > OUTCOMES_KEPT) this.outcomes.delete(this.outcomes.keys().next().value as string);
    for (const waiter of this.waiters.get(key) ?? []) waiter(outcome);
  }

  /** Appends entries to the journal and waits until they are on disk; writes queue behind each other. */
  private write(entries: Entry[]): Promise<void> {
    const journal = this.journal;
    if (!journal || entries.length === 0) return Promise.resolve();
    const text = entries.map((entry) => `${JSON.stringify(entry)}\n`).join('');
    this.journalWrites = this.journalWrites.then(async () => {
      await journal.appendFile(text);
      await journal.datasync();
    });
    return this.journalWrites;
  }
}

/** The records a journal holds that were never answered for (a line cut short by a crash is skipped). */
function readJournal(file: string): UsageRecord[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const unanswered = new Map<string, UsageRecord>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    let entry: Entry;
    try {
      entry = JSON.parse(line) as Entry;
    } catch {
      continue;
    }
    if ('add' in entry) unanswered.set(entry.add.idempotencyKey as string, entry.add);
    else unanswered.delete(entry.done);
  }
  return [...unanswered.values()];
}
