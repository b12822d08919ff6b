// The Marketplace Metering Service API under /api: one usage event, a batch of up to 25, and the usage
// read-back. A single event's refusal is its HTTP status (400, 403, 409 with the accepted event); a
// batch answers 200 with one status per event, as Microsoft's does.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import {
  parseInstant,
  answersOf,
  BatchUsageEvent,
  ReconStatus,
  UsageEvent,
  Uuid,
  type BatchUsageEventOkResponse,
  type UsageBatchEventOkMessage,
  type UsageEventConflictResponse,
  type UsageEventOkResponse,
} from '@saas-fulfillment/contract';
import { endOfToday, type Metering, type UsageOutcome } from '../metering/metering.js';
import type { UsageEventRecord } from '../model/usage.js';
import { caller } from './caller.js';
import { MarketplaceErrors as E } from '../errors.js';

export interface MeteringRouteDeps {
  metering: Metering;
}

const DateQuery = Type.String({ maxLength: 40 });
/** `UsageEndDate` is spelled with a capital U in the spec and the docs; the service reads query names in any case. */
const UsageQuery = Type.Object({
  usageStartDate: Type.Optional(DateQuery),
  UsageEndDate: Type.Optional(DateQuery),
  usageEndDate: Type.Optional(DateQuery),
  offerId: Type.Optional(Type.String({ maxLength: 200 })),
  planId: Type.Optional(Type.String({ maxLength: 200 })),
  dimension: Type.Optional(Type.String({ maxLength: 200 })),
  azureSubscriptionId: Type.Optional(Uuid),
  reconStatus: Type.Optional(ReconStatus),
});

/** Duplicates in a batch carry no message time of their own; the live service sends year 1. */
const NO_MESSAGE_TIME = '0001-01-01T00:00:00Z';

export async function meteringRoutes(instance: FastifyInstance, deps: MeteringRouteDeps): Promise<void> {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const { metering } = deps;

  app.post('/usageEvent', { schema: { body: UsageEvent, response: answersOf('MeteringOperations_PostUsageEvent') } }, async (request, reply) => {
    const outcome = await metering.post(caller(request), request.body);
    switch (outcome.status) {
      case 'Accepted':
        return reply.status(200).send(okMessage(outcome.record, 'Accepted', outcome.resourceUri));
      case 'Duplicate':
        return reply.status(409).send(conflict(outcome.record, outcome.resourceUri));
      case 'ResourceNotAuthorized':
        throw E.usageForbidden(outcome.message, outcome.target);
      default:
        throw E.usageRefused(outcome.status, outcome.message, outcome.target);
    }
  });

  app.post(
    '/batchUsageEvent',
    { schema: { body: BatchUsageEvent, response: answersOf('MeteringOperations_PostBatchUsageEvent') } },
    async (request): Promise<BatchUsageEventOkResponse> => {
      const events = request.body.request;
      const outcomes = await metering.postBatch(caller(request), events);
      return { count: outcomes.length, result: outcomes.map((outcome, i) => batchItem(events[i] as UsageEvent, outcome, request.id)) };
    },
  );

  app.get('/usageEvents', { schema: { querystring: UsageQuery, response: answersOf('MeteringOperations_GetUsageEvent') } }, async (request) => {
    const { query } = request;
    if (query.usageStartDate === undefined) throw E.usageStartRequired();
    const from = parseUsageDate(query.usageStartDate, 'usageStartDate');
    const endText = query.UsageEndDate ?? query.usageEndDate;
    const to = endText === undefined ? endOfToday(metering.now()) : endOf(endText);
    if (to <= from) throw E.usageRangeEmpty();
    return metering.list(caller(request), {
      azureSubscriptionId: query.azureSubscriptionId,
      from,
      to,
      offerId: query.offerId,
      planId: query.planId,
      dimension: query.dimension,
      reconStatus: query.reconStatus,
    });
  });
}

/** An accepted event as production answers it: with the SaaS resource's Azure resource id (resourceUri) beside its resourceId. */
function okMessage(record: UsageEventRecord, status: 'Accepted' | 'Duplicate', resourceUri: string): UsageEventOkResponse {
  return {
    usageEventId: record.usageEventId,
    status,
    messageTime: record.messageTime,
    resourceId: record.resourceId,
    resourceUri,
    quantity: record.quantity,
    dimension: record.dimension,
    effectiveStartTime: record.effectiveStartTime,
    planId: record.planId,
  };
}

function conflict(accepted: UsageEventRecord, resourceUri: string): UsageEventConflictResponse {
  return { code: 'Conflict', message: 'This usage event already exist.', additionalInfo: { acceptedMessage: okMessage(accepted, 'Duplicate', resourceUri) } };
}

function batchItem(event: UsageEvent, outcome: UsageOutcome, requestId: string): UsageBatchEventOkMessage {
  if (outcome.status === 'Accepted') return okMessage(outcome.record, 'Accepted', outcome.resourceUri);
  if (outcome.status === 'Duplicate')
    return { ...event, status: 'Duplicate', messageTime: NO_MESSAGE_TIME, error: conflict(outcome.record, outcome.resourceUri) };
  return {
    ...event,
    status: outcome.status,
    messageTime: NO_MESSAGE_TIME,
    error: { code: outcome.status, message: `${outcome.message} (request ${requestId})` },
  };
}

const USAGE_DATE = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2})(:\d{2}(?:\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/** A query date: a day (`2020-12-03`) or an instant (`2020-12-03T15:00`, UTC unless it says otherwise), a real one. */
function parseUsageDate(text: string, field: string): string {
  const m = USAGE_DATE.exec(text);
  const instant = m && parseInstant(m[2] === undefined ? `${m[1]}T00:00:00Z` : `${m[1]}T${m[2]}${m[3] ?? ':00'}${m[4] ?? 'Z'}`);
  if (!instant) throw E.usageDate(field);
  return instant.toISOString();
}

/** The end of a range: a day includes the whole day; an instant is the end itself. */
function endOf(text: string): string {
  const start = parseUsageDate(text, 'UsageEndDate');
  return USAGE_DATE.exec(text)?.[2] === undefined ? new Date(Date.parse(start) + 86_400_000).toISOString() : start;
}
