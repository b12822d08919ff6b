// Usage that is never lost: each record gets its idempotency key once, is written to a journal on disk
// (optional) before `record()` returns, and is sent in batches to the publisher's POST /api/usage, again
// after a failure with backoff, until the publisher answers for it. A record the publisher refuses is
// dropped and counted; one it accepted or already had is done. A process killed at any point sends, once
// started again on the same journal, every record it had acknowledged to its caller, and none twice
// (the keys make a resend a duplicate).
import { randomUUID } from 'node:crypto';
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
  /** Told of each failed send (the records stay and are sent again). */
  onError?: (error: Error) => void;
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

type Entry = { add: UsageRecord } | { done: string };

export class UsageRecorder {
  private readonly pending = new Map<string, UsageRecord>();
  private journal: FileHandle | undefined;
  private journalWrites: Promise<void> = Promise.resolve();
  /** record() calls whose line is on its way to the journal: the journal is not emptied under them. */
  private recording = 0;
  private sending: Promise<void> | undefined;
  private retryAt = 0;
  private failures = 0;
  private readonly timer: NodeJS.Timeout;
  /** Records the publisher accepted, already had, or refused, since this recorder started. */
  readonly counts = { accepted: 0, duplicates: 0, dropped: 0 };
  /** The last refusals (up to 100), for the product's logs. */
  readonly refusals: Refusal[] = [];

  private constructor(
    private readonly connection: PublisherConnection,
    private readonly options: UsageOptions,
  ) {
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
  }

  private get batchSize(): number {
    return Math.min(this.options.batchSize ?? 500, 1000);
  }

  private async sendAll(): Promise<void> {
    if (Date.now() < this.retryAt) return;
    while (this.pending.size > 0) {
      const batch = [...this.pending.values()].slice(0, this.batchSize);
      try {
        const answer = await call(this.connection, '/api/usage', { method: 'POST', body: batch });
        await this.settle(batch, answer.body as UsageBatchResult);
        this.failures = 0;
      } catch (error) {
        this.failures++;
        const delay = Math.min((this.options.retryMs ?? 500) * 2 ** (this.failures - 1), this.options.maxRetryMs ?? 30_000);
        this.retryAt = Date.now() + delay;
        const failure = error instanceof Error ? error : new Error(String(error));
        this.options.onError?.(failure);
        // A refusal of the whole request (a wrong key) is a setting to fix; the records wait for it.
        if (!(error instanceof PublisherError)) throw failure;
        return;
      }
    }
  }

  /** Each record's answer: done (accepted or a duplicate) or dropped (refused), written to the journal. */
  private async settle(batch: UsageRecord[], answer: UsageBatchResult): Promise<void> {
    const done: Entry[] = [];
    for (const result of answer.results) {
      const record = batch[result.index];
      if (!record) continue;
      if (result.status === 'accepted') this.counts.accepted++;
      else if (result.status === 'duplicate') this.counts.duplicates++;
      else {
        this.counts.dropped++;
        this.refusals.push({ record, code: result.error?.code ?? 'Refused', field: result.error?.field ?? '', message: result.error?.message ?? '' });
        if (this.refusals.length > 100) this.refusals.shift();
      }
      done.push({ done: record.idempotencyKey as string });
    }
    await this.write(done);
    for (const entry of done) if ('done' in entry) this.pending.delete(entry.done);
    // Everything answered for: the journal holds nothing worth reading again, so it starts over.
    const journal = this.journal;
    if (journal && this.pending.size === 0 && this.recording === 0) {
      this.journalWrites = this.journalWrites.then(() => journal.truncate(0));
      await this.journalWrites;
    }
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
