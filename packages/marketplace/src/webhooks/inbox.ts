// The built-in webhook inbox: where a publisher's notices go when it has no connection webhook of its
// own. It checks each delivery's bearer token as a publisher must, keeps what it received, and answers
// as the developer chose in the simulator: 200, a 4xx that rejects, no answer in time, or 200 followed
// by a PATCH of the operation (Success or Failure), once or for every delivery.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import Type from 'typebox';
import type { Clock } from '@saas-fulfillment/contract';
import { ApiError } from '@saas-fulfillment/contract';
import type { Catalog, PublisherConfig } from '../catalog.js';
import type { FulfillmentApi } from '../fulfillment/api.js';
import type { TokenService } from '../identity/tokens.js';
import type { MarketplaceSettings } from '../settings.js';
import type { MarketplaceStore } from '../store/repository.js';
import type { InboxAnswer, InboxEntry } from '../model/webhooks.js';
import { MarketplaceErrors as E } from '../errors.js';

export const INBOX_ANSWERS = ['ok', 'reject', 'timeout', 'patch-success', 'patch-failure'] as const satisfies readonly InboxAnswer[];

export const ANSWER_LABELS: Record<InboxAnswer, string> = {
  ok: 'Answer 200',
  reject: 'Reject (HTTP 400)',
  timeout: 'Time out (no answer in time)',
  'patch-success': 'Answer 200, then PATCH Success',
  'patch-failure': 'Answer 200, then PATCH Failure',
};

/** `PUT /simulator/inbox/{publisherId}`: how to answer the next delivery only, or every delivery from now on. */
export const AnswerBody = Type.Object({
  answer: Type.Enum(INBOX_ANSWERS),
  for: Type.Optional(Type.Enum(['next', 'every'])),
});
export type AnswerBody = Type.Static<typeof AnswerBody>;

export interface InboxAnswers {
  /** Used once each, in order, before `every`. */
  next: InboxAnswer[];
  every: InboxAnswer;
}

export interface InboxDeps {
  store: MarketplaceStore;
  catalog: Catalog;
  tokens: TokenService;
  api: FulfillmentApi;
  settings: MarketplaceSettings;
  clock: Clock;
  log: { info(obj: object, msg: string): void };
  /** Aborted when the app closes, so a held "timeout" answer lets go. */
  closing: AbortSignal;
}

const SETTING = 'inbox-answers';
/** Refused posts kept per publisher (newest first): anyone can post here, so the log of them is bounded. */
const REFUSED_KEPT = 100;

export class WebhookInbox {
  private constructor(
    private readonly deps: InboxDeps,
    private answerSets: Record<string, InboxAnswers>,
  ) {}

  static async load(deps: InboxDeps): Promise<WebhookInbox> {
    const stored = await deps.store.settings.get(SETTING);
    return new WebhookInbox(deps, stored ? (JSON.parse(stored) as Record<string, InboxAnswers>) : {});
  }

  answers(publisherId: string): InboxAnswers {
    return this.answerSets[publisherId] ?? { next: [], every: 'ok' };
  }

  async setAnswer(publisher: PublisherConfig, body: AnswerBody): Promise<InboxAnswers> {
    const current = this.answers(publisher.publisherId);
    const updated = body.for === 'every' ? { next: [], every: body.answer } : { ...current, next: [...current.next, body.answer] };
    await this.save({ ...this.answerSets, [publisher.publisherId]: updated });
    return updated;
  }

  /** Takes in one delivery; returns the HTTP answer the inbox gives. */
  async receive(publisherId: string, authorization: string | undefined, body: unknown): Promise<{ status: number; body: object }> {
    const publisher = this.deps.catalog.requirePublisher(publisherId);
    const refusedBecause = await this.deps.tokens.refuseWebhookToken(publisher, authorization);
    const notice = readNotice(body);
    const entry: InboxEntry = {
      id: randomUUID(),
      publisherId,
      receivedAt: this.deps.clock.now().toISOString(),
      ...notice,
      payload: JSON.stringify(body ?? null),
      refusedBecause,
      answer: 'ok',
      statusCode: undefined,
      acknowledgement: undefined,
    };
    if (refusedBecause) {
      await this.deps.store.saveInboxEntry({ ...entry, statusCode: 401 });
      await this.deps.store.trimRefusedInbox(publisher.publisherId, REFUSED_KEPT);
      return { status: 401, body: { code: 'Unauthorized', message: `The webhook's bearer token is not valid: ${refusedBecause}` } };
    }
    entry.answer = await this.takeAnswer(publisherId);
    await this.deps.store.saveInboxEntry(entry);
    this.deps.log.info(
      { inboxEntry: entry.id, operationId: entry.operationId, action: entry.action, answer: entry.answer },
      'built-in inbox received a webhook',
    );
    switch (entry.answer) {
      case 'reject':
        return this.answer(entry, 400, { code: 'Rejected', message: 'The built-in inbox was told to reject this delivery' });
      case 'timeout':
        // Held past the sender's timeout: Microsoft sees no answer and tries again later.
        await sleep(this.deps.settings.webhook.timeoutMs + 500, undefined, { signal: this.deps.closing }).catch(() => undefined);
        return this.answer(entry, 200, { received: entry.operationId, late: true });
      case 'patch-success':
      case 'patch-failure':
        entry.acknowledgement = await this.patch(publisher, entry, entry.answer === 'patch-success' ? 'Success' : 'Failure');
        return this.answer(entry, 200, { received: entry.operationId });
      default:
        return this.answer(entry, 200, { received: entry.operationId });
    }
  }

  /** PATCHes the operation of a received delivery, as its publisher would (a button in the inbox page). */
  async acknowledge(entryId: string, status: 'Success' | 'Failure'): Promise<InboxEntry> {
    const entry = await this.deps.store.getInboxEntry(entryId);
    if (!entry) throw E.inboxEntryNotFound(entryId);
    const publisher = this.deps.catalog.publisher(entry.publisherId);
    if (!publisher || !entry.operationId || !entry.subscriptionId) throw E.nothingToAcknowledge();
    await this.deps.api.acknowledge(publisher, entry.subscriptionId, entry.operationId, { status });
    const updated = { ...entry, acknowledgement: `PATCH ${status}: accepted` };
    await this.deps.store.saveInboxEntry(updated);
    return updated;
  }

  private async patch(publisher: PublisherConfig, entry: InboxEntry, status: 'Success' | 'Failure'): Promise<string> {
    if (!entry.operationId || !entry.subscriptionId) return `PATCH ${status}: the delivery names no operation`;
    try {
      await this.deps.api.acknowledge(publisher, entry.subscriptionId, entry.operationId, { status });
      return `PATCH ${status}: accepted`;
    } catch (error) {
      if (error instanceof ApiError) return `PATCH ${status}: refused with ${error.statusCode} (${error.message})`;
      throw error;
    }
  }

  private async answer(entry: InboxEntry, status: number, body: object): Promise<{ status: number; body: object }> {
    await this.deps.store.saveInboxEntry({ ...entry, statusCode: status });
    return { status, body };
  }

  private async takeAnswer(publisherId: string): Promise<InboxAnswer> {
    const answers = this.answers(publisherId);
    const [next, ...rest] = answers.next;
    if (next === undefined) return answers.every;
    await this.save({ ...this.answerSets, [publisherId]: { ...answers, next: rest } });
    return next;
  }

  private async save(answerSets: Record<string, InboxAnswers>): Promise<void> {
    await this.deps.store.settings.set(SETTING, JSON.stringify(answerSets));
    this.answerSets = answerSets;
  }
}

/** The fields the inbox lists; anything else is kept in the stored payload. */
function readNotice(body: unknown): Pick<InboxEntry, 'operationId' | 'subscriptionId' | 'action'> {
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const text = (name: string) => (typeof fields[name] === 'string' ? (fields[name] as string).slice(0, 200) : undefined);
  return { operationId: text('id'), subscriptionId: text('subscriptionId'), action: text('action') };
}
