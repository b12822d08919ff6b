// Seeds: a hand-written state the emulator starts from and a reset returns to. Each subscription is made
// the way a purchase makes it (the same checks of offer, plan, seats and term), then placed where the
// seed says it stands; a pending change is started through the operation engine, so the publisher gets
// its webhook as it would from Microsoft. The rows go in through one bulk write, so a reset is quick.
import { createHash, randomUUID } from 'node:crypto';
import { ApiError, usageHour, validate } from '@saas-fulfillment/contract';
import { MarketplaceErrors as E } from '../errors.js';
import type { FulfillmentContext } from '../fulfillment/context.js';
import type { Fulfillment } from '../fulfillment/index.js';
import { hashToken } from '../fulfillment/purchases.js';
import { firstTermEnd } from '../fulfillment/terms.js';
import { Seed, type SeedSubscription } from './documents.js';
import type { StateTables } from '../model/state.js';
import type { CustomerActionRequest } from '../model/simulator.js';
import type { SubscriptionRecord } from '../model/subscriptions.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;

/** A seed checked against the schema; the catalog check and the rows come when it is loaded. */
export function checkedSeed(document: unknown, source = 'seed'): Seed {
  const errors = validate(Seed, document);
  const [first] = errors;
  if (first) throw E.documentInvalid(first.field || source, withOthers(first.message, errors.slice(1)));
  return document as Seed;
}

/** The first error's message, and the next few errors named by field. */
export function withOthers(message: string, others: readonly { field: string; message: string }[]): string {
  if (others.length === 0) return message;
  return `${message} (and: ${others
    .slice(0, 4)
    .map((e) => `${e.field} ${e.message}`)
    .join('; ')})`;
}

/** The seed's rows as of now, and the changes to start once they are stored. */
export function seedTables(ctx: FulfillmentContext, fulfillment: Fulfillment, seed: Seed): { tables: StateTables; pendingChanges: PendingChange[] } {
  if (seed.catalog && JSON.stringify(seed.catalog) !== JSON.stringify(ctx.catalog.config)) throw E.catalogDiffers('The seed');
  for (const publisherId of Object.keys(seed.endpoints ?? {})) {
    if (!ctx.catalog.publisher(publisherId))
      throw E.documentInvalid(`endpoints.${publisherId}`, `names no publisher of the catalog (${ctx.catalog.publishers.map((p) => p.publisherId).join(', ')})`);
  }
  const tables: StateTables = { subscriptions: [], landingTokens: [], operations: [], deliveries: [], inbox: [], usage: [] };
  const pendingChanges: PendingChange[] = [];
  const ids = new Set<string>();
  (seed.subscriptions ?? []).forEach((entry, i) => {
    const at = `subscriptions[${i}]`;
    const subscription = placed(ctx, fulfillment, filledIn(entry, i), at);
    if (ids.has(subscription.id)) throw E.documentInvalid(`${at}.id`, `repeats ${subscription.id}`);
    ids.add(subscription.id);
    tables.subscriptions.push(subscription);
    if (entry.landingToken !== undefined) {
      tables.landingTokens.push({
        tokenHash: hashToken(entry.landingToken),
        subscriptionId: subscription.id,
        expiresAt: ctx.later(ctx.settings.landingTokenTtlMs),
      });
    }
    tables.usage.push(...usageOf(ctx, subscription, entry, at));
    if (entry.pendingChange) {
      if (subscription.status !== 'Subscribed') throw E.documentInvalid(`${at}.pendingChange`, 'needs status Subscribed: only an active subscription changes');
      const change = changeOf({ subscriptionId: subscription.id, at: `${at}.pendingChange`, ...entry.pendingChange });
      inField(change.at, () => fulfillment.operations.changeTarget(subscription, change.action));
      pendingChanges.push(change);
    }
  });
  if (new Set(tables.landingTokens.map((t) => t.tokenHash)).size !== tables.landingTokens.length) {
    throw E.documentInvalid('subscriptions', 'give each landingToken to one subscription only');
  }
  return { tables, pendingChanges };
}

export interface PendingChange {
  subscriptionId: string;
  /** The seed's field, for errors. */
  at: string;
  action: CustomerActionRequest;
}

function changeOf(given: { subscriptionId: string; at: string; planId?: string | undefined; quantity?: number | undefined }): PendingChange {
  const action: CustomerActionRequest =
    given.planId !== undefined ? { action: 'ChangePlan', planId: given.planId } : { action: 'ChangeQuantity', quantity: given.quantity };
  return { subscriptionId: given.subscriptionId, at: given.at, action };
}

/**
 * Starts a seed's pending changes, as the customer would in the marketplace. Their webhooks name the
 * emulator's own inbox when the publisher has no webhook of its own: start them once it listens.
 */
export async function startPendingChanges(fulfillment: Fulfillment, changes: readonly PendingChange[]): Promise<void> {
  for (const change of changes)
    await fulfillment.operations.customerAction(change.subscriptionId, change.action).catch((error: unknown) => {
      throw located(error, change.at);
    });
}

/**
 * The entry with what a purchase would make up (its id, the buyer's tenant, object id and PUID, the Azure
 * subscription) derived from its place in the seed instead: every load and reset of one seed gives the
 * same subscriptions, so a test may hold an id or a tenant across resets.
 */
function filledIn(entry: SeedSubscription, index: number): SeedSubscription & { id: string } {
  const id = entry.id ?? seededUuid('subscription', String(index));
  const person = (given: SeedSubscription['beneficiary'], role: string) => ({
    tenantId: seededUuid(role, 'tenant', id),
    objectId: seededUuid(role, 'object', id),
    puid: seededUuid(role, 'puid', id).replace(/-/g, '').slice(0, 16).toUpperCase(),
    ...given,
  });
  return {
    ...entry,
    id,
    beneficiary: person(entry.beneficiary, 'beneficiary'),
    ...(entry.csp || entry.purchaser ? { purchaser: person(entry.purchaser, 'purchaser') } : {}),
    azureSubscriptionId: entry.azureSubscriptionId ?? seededUuid('azure-subscription', id),
  };
}

/** A version-4-shaped UUID from a hash of `parts`: the same parts, the same id. */
function seededUuid(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\n')).digest('hex');
  const variant = (8 + (Number.parseInt(hex.charAt(16), 16) % 4)).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The subscription as a purchase makes it, then where the seed says it stands. */
function placed(ctx: FulfillmentContext, fulfillment: Fulfillment, entry: SeedSubscription & { id: string }, at: string): SubscriptionRecord {
  const now = ctx.clock.now().getTime();
  const bought = inField(at, () => fulfillment.purchases.subscriptionFor(entry, entry.id, new Date(now).toISOString()).subscription);
  const status = entry.status ?? 'PendingFulfillmentStart';
  if (status === 'PendingFulfillmentStart') {
    for (const field of ['termStartedDaysAgo', 'suspendedDaysAgo'] as const)
      if (entry[field] !== undefined)
        throw E.documentInvalid(`${at}.${field}`, 'is for a subscription that has started (status Subscribed, Suspended or Unsubscribed)');
    return bought;
  }
  const termStart = new Date(now - (entry.termStartedDaysAgo ?? 0) * DAY_MS).toISOString();
  const termEnd = firstTermEnd(termStart, bought);
  if (termEnd <= new Date(now).toISOString())
    throw E.documentInvalid(`${at}.termStartedDaysAgo`, `puts the start before the last renewal: a ${bought.termUnit} term that started then has ended`);
  if (entry.suspendedDaysAgo !== undefined && status !== 'Suspended') throw E.documentInvalid(`${at}.suspendedDaysAgo`, 'is for status Suspended');
  const suspendedAt = status === 'Suspended' ? new Date(now - (entry.suspendedDaysAgo ?? 0) * DAY_MS).toISOString() : undefined;
  return {
    ...bought,
    status,
    termStart,
    termEnd,
    suspendedAt,
    autoRenew: status === 'Unsubscribed' ? false : bought.autoRenew,
    created: termStart,
    lastModified: suspendedAt ?? termStart,
  };
}

/** Accepted usage events: an hour each, of a dimension the plan meters. */
function usageOf(ctx: FulfillmentContext, subscription: SubscriptionRecord, entry: SeedSubscription, at: string): StateTables['usage'] {
  const plan = ctx.catalog.plan(subscription.offerId, subscription.planId);
  const dimensions = new Set((plan?.meteringDimensions ?? []).map((d) => d.id));
  const hours = new Set<string>();
  const now = ctx.clock.now().getTime();
  return (entry.usage ?? []).map((use, j) => {
    if (!dimensions.has(use.dimension))
      throw E.documentInvalid(
        `${at}.usage[${j}].dimension`,
        `'${use.dimension}' is not a dimension of plan ${subscription.planId} (${[...dimensions].join(', ') || 'it meters none'})`,
      );
    const hour = usageHour(new Date(now - use.hoursAgo * HOUR_MS));
    if (hours.has(`${use.dimension} ${hour}`))
      throw E.documentInvalid(`${at}.usage[${j}].hoursAgo`, 'repeats an hour of this dimension: the marketplace accepts one event per hour');
    hours.add(`${use.dimension} ${hour}`);
    return {
      usageEventId: randomUUID(),
      publisherId: subscription.publisherId,
      resourceId: subscription.id,
      offerId: subscription.offerId,
      planId: subscription.planId,
      dimension: use.dimension,
      hour,
      effectiveStartTime: hour,
      quantity: use.quantity,
      messageTime: new Date(Math.min(now, Date.parse(hour) + HOUR_MS)).toISOString(),
    };
  });
}

/** A purchase's refusal (offer, plan, seats, term) named at the seed's field. */
function inField<T>(at: string, make: () => T): T {
  try {
    return make();
  } catch (error) {
    throw located(error, at);
  }
}

function located(error: unknown, at: string): unknown {
  if (!(error instanceof ApiError) || error.statusCode >= 500) return error;
  return E.documentInvalid(error.target ? `${at}.${error.target}` : at, error.message);
}
