// Reading the Metering Service's answers into one result per event: its status, the event the service
// holds for that hour (the new one when Accepted, the earlier one when Duplicate), and why it was refused.
// Lenient like parse.ts: numbers as strings and statuses newer than this library are kept.
import type { GetUsageEvent, UsageEvent, UsageEventOkResponse, UsageEventStatus } from '@saas-fulfillment/contract';
import { MarketplaceError } from './errors.js';

export interface UsageEventResult {
  /** A UsageEventStatus, or a status newer than this library (kept as sent). */
  status: UsageEventStatus | (string & {});
  /** The event as sent. */
  event: UsageEvent;
  /** What the service holds for the event's resource, dimension and hour: set when Accepted or Duplicate. */
  accepted?: UsageEventOkResponse;
  /** Why the event was refused (any status but Accepted). */
  error?: { code: string; message: string };
}

type Json = Record<string, unknown>;

const asObject = (value: unknown): Json => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {});
const asNumber = (value: unknown): number => (typeof value === 'string' && value.trim() !== '' ? Number(value) : Number(value ?? Number.NaN));
const asStatus = (value: unknown): string => (typeof value === 'string' ? value.trim() : 'Error');

/** The service's copy of an event, its numbers made numbers. */
function okMessage(value: unknown): UsageEventOkResponse {
  const message = asObject(value);
  return { ...(message as unknown as UsageEventOkResponse), quantity: asNumber(message.quantity), status: asStatus(message.status) as UsageEventStatus };
}

/** POST /usageEvent: 200 (Accepted) or 409 (Duplicate, the accepted event in additionalInfo). */
export function parseUsageResult(event: UsageEvent, body: unknown, duplicate: boolean): UsageEventResult {
  if (!duplicate) return { status: 'Accepted', event, accepted: okMessage(body) };
  return duplicateOf(event, body);
}

function duplicateOf(event: UsageEvent, conflict: unknown): UsageEventResult {
  const error = asObject(conflict);
  const accepted = asObject(error.additionalInfo).acceptedMessage;
  return {
    status: 'Duplicate',
    event,
    ...(accepted !== undefined ? { accepted: okMessage(accepted) } : {}),
    error: { code: String(error.code ?? 'Conflict'), message: String(error.message ?? 'This usage event already exists') },
  };
}

/** POST /batchUsageEvent: one result per event sent, in order. */
export function parseBatchResults(sent: readonly UsageEvent[], body: unknown): UsageEventResult[] {
  const items = asObject(body).result;
  if (!Array.isArray(items) || items.length !== sent.length) {
    throw new MarketplaceError(`postBatchUsageEvents: the service answered ${Array.isArray(items) ? items.length : 'no'} results for ${sent.length} events`, {
      status: 200,
      code: 'UnexpectedAnswer',
      method: 'postBatchUsageEvents',
      requestId: '',
      correlationId: '',
      attempts: 1,
    });
  }
  return items.map((item, i) => {
    const event = sent[i] as UsageEvent;
    const status = asStatus(asObject(item).status);
    if (status === 'Accepted') return { status, event, accepted: okMessage(item) };
    if (status === 'Duplicate') return duplicateOf(event, asObject(item).error);
    const error = asObject(asObject(item).error);
    return { status, event, error: { code: String(error.code ?? status), message: String(error.message ?? status) } };
  });
}

/** GET /usageEvents: a bare array (an empty body when there is nothing). */
export function parseUsageEvents(body: unknown): GetUsageEvent[] {
  if (body === undefined || body === null || body === '') return [];
  const items = Array.isArray(body) ? body : [];
  return items.map((value) => {
    const item = asObject(value);
    return {
      ...(item as unknown as GetUsageEvent),
      submittedQuantity: asNumber(item.submittedQuantity),
      processedQuantity: asNumber(item.processedQuantity),
      submittedCount: asNumber(item.submittedCount),
    };
  });
}
