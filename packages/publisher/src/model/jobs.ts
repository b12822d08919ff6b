// What a job is: each kind of work the publisher queues, with the schema of its payload. A job read back
// from the table is checked against its kind's schema before a handler sees it, so handlers get typed
// payloads and a damaged row is set aside with the reason, never half-run.
import { describeErrors, StringEnum, validate } from '@saas-fulfillment/contract';
import Type from 'typebox';

const JOB_PAYLOADS = {
  /** Provision, then activate, a purchase confirmed on the landing page. */
  activate: Type.Object({ subscriptionId: Type.String() }),
  /** Provision a subscription the marketplace activated without us (auto-activation, reconciliation). */
  provision: Type.Object({ subscriptionId: Type.String(), cause: Type.String() }),
  /** Act on a webhook: Get Operation, decide and acknowledge, sync. */
  webhook: Type.Object({ operationId: Type.String(), subscriptionId: Type.String(), action: Type.String() }),
  /** Follow a publisher-initiated operation until it is final. */
  'await-operation': Type.Object({ subscriptionId: Type.String(), operationId: Type.String(), since: Type.String() }),
  /** Page through the marketplace's subscriptions and repair drift. */
  reconcile: Type.Object({}),
  /** Deliver one signed event to the vendor's application. */
  'deliver-event': Type.Object({ eventId: Type.String(), subscriptionId: Type.String() }),
};

export type JobKind = keyof typeof JOB_PAYLOADS;
type JobPayload<K extends JobKind> = Type.Static<(typeof JOB_PAYLOADS)[K]>;
export const JobStatus = StringEnum(['pending', 'running', 'done', 'dead']);
export type JobStatus = Type.Static<typeof JobStatus>;

/** A job as the table holds it: any kind, any payload (it is read back before it runs). */
export const JobRecord = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  dedupeKey: Type.Optional(Type.String()),
  payload: Type.Unknown(),
  status: JobStatus,
  attempts: Type.Integer(),
  maxAttempts: Type.Integer(),
  runAt: Type.String(),
  lockedBy: Type.Optional(Type.String()),
  lastError: Type.Optional(Type.String()),
  created: Type.String(),
  updated: Type.String(),
  /** The W3C traceparent of the work that queued it (when tracing is on): its run continues that trace. */
  traceContext: Type.Optional(Type.String()),
});
export type JobRecord = Type.Static<typeof JobRecord>;

/** A job whose kind is known and whose payload matches it. */
export type Job<K extends JobKind = JobKind> = Omit<JobRecord, 'kind' | 'payload'> & { kind: K; payload: JobPayload<K> };

/**
 * Work to queue: a kind and its payload, when, how often to try, and a key that makes it unique; the trace
 * it belongs to when not the active one (a webhook batched with others keeps its own request's).
 */
export type NewJob = {
  [K in JobKind]: { kind: K; payload: JobPayload<K>; dedupeKey?: string; runAt: string; maxAttempts?: number; traceContext?: string | undefined };
}[JobKind];

/** The handler of each kind. */
export type JobHandlers = { [K in JobKind]: (job: Job<K>) => Promise<void> };

const isKind = (kind: string): kind is JobKind => Object.hasOwn(JOB_PAYLOADS, kind);

/** The record as a typed job, or the reason it is not one. */
export function readJob(record: JobRecord): Job | string {
  if (!isKind(record.kind)) return `no job kind ${record.kind}`;
  const errors = validate(JOB_PAYLOADS[record.kind], record.payload);
  if (errors.length > 0) return `the ${record.kind} job's payload is damaged: ${describeErrors('payload', errors)}`;
  return record as Job;
}

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
