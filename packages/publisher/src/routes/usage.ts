// POST /api/usage: the vendor's application reports usage, one record or up to 1,000, with the app key
// (any subscription) or a customer tenant's key (that tenant's subscriptions only). One record answers
// with its own status code; an array answers 200 with a status per record, like Microsoft's batch.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';

import { answers, bearerOf, type WrongKey } from '@saas-fulfillment/web';
import { ErrorBody, guidKey, parseInstant } from '@saas-fulfillment/contract';
import { UsageBatchResult, UsageRecordResult } from '../model/metering.js';
import type { Metering } from '../metering/index.js';
import { MAX_RECORDS, type RecordOutcome, type UsageReporter } from '../metering/ingestion.js';
import type { PublisherMetrics } from '../metrics.js';
import { PublisherErrors as E } from '../errors.js';

export interface UsageRouteDeps {
  metering: Metering;
  metrics: PublisherMetrics;
  appApiKey: string;
  /** Keys that may report usage for one customer tenant's subscriptions: tenant id → key. */
  tenantKeys: Readonly<Record<string, string>>;
  wrongKey: WrongKey;
}

/** One record accepted (201) or a duplicate (200); an array: 200 with each record's result; 503: try again. */
const USAGE_ANSWERS = answers({
  200: Type.Union([UsageBatchResult, UsageRecordResult]),
  201: UsageRecordResult,
  503: ErrorBody,
});

// Records are checked one by one in the handler, so that one bad record does not refuse its neighbours.
const UsageBody = Type.Union([Type.Object({}), Type.Array(Type.Unknown(), { minItems: 1, maxItems: MAX_RECORDS })]);

export async function usageRoutes(instance: FastifyInstance, deps: UsageRouteDeps): Promise<void> {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const keys = new Map<string, UsageReporter>([
    [deps.appApiKey, { kind: 'app' }],
    ...Object.entries(deps.tenantKeys).map(([tenantId, key]): [string, UsageReporter] => [key, { kind: 'tenant', tenantId: guidKey(tenantId) }]),
  ]);

  // 1,000 records with long idempotency keys are about 500 KB: more than the service's default body limit.
  app.post('/api/usage', { bodyLimit: 1024 * 1024, schema: { body: UsageBody, response: USAGE_ANSWERS } }, async (request, reply) => {
    const reporter = bearerOf(request, keys);
    if (!reporter) throw await deps.wrongKey(request, reply, E.usageKeyMissing());
    const many = Array.isArray(request.body);
    const records = many ? (request.body as unknown[]) : [request.body];
    const outcomes = await deps.metering.ingestion.ingest(records, reporter, sentAt(request.headers['sent-at']));
    for (const outcome of outcomes) deps.metrics.usageRecords.inc({ result: outcome.status });
    if (many) return { ...counts(outcomes), results: outcomes.map(toJson) };
    const [outcome] = outcomes as [RecordOutcome];
    if (outcome.status === 'refused') throw E.usageRefused(outcome.error);
    return reply.status(outcome.status === 'accepted' ? 201 : 200).send(toJson(outcome));
  });
}

/** The sender's clock when it sent the request (the SDK's Sent-At header), if given as a real instant. */
function sentAt(header: string | string[] | undefined): Date | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const at = value && value.length <= 40 ? parseInstant(value) : undefined;
  return at ?? undefined;
}

function counts(outcomes: readonly RecordOutcome[]): { accepted: number; duplicates: number; refused: number } {
  const count = (status: RecordOutcome['status']) => outcomes.filter((o) => o.status === status).length;
  return { accepted: count('accepted'), duplicates: count('duplicate'), refused: count('refused') };
}

function toJson(outcome: RecordOutcome) {
  if (outcome.status === 'refused') {
    const { httpStatus: _, ...error } = outcome.error;
    return { index: outcome.index, status: outcome.status, error };
  }
  return outcome;
}
