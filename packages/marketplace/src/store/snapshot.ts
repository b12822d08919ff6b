// Every table of marketplace state read out as records and written back in bulk: what a state snapshot
// (GET and PUT /simulator/state) and a seed's reset are made of. Rows go in many to a statement, so that
// a thousand subscriptions load in milliseconds rather than a statement each.
import type { Kysely } from 'kysely';
import type { StateTables } from '../model/state.js';
import { deliveryToRow, inboxToRow, operationToRow, rowToDelivery, rowToInbox, rowToOperation, rowToSubscription, subscriptionToRow } from './rows.js';
import type { MarketplaceTables } from './schema.js';
import { rowToUsage, usageToRow } from './usage.js';

/** Children before parents, for the foreign keys. */
export const STATE_TABLES_CHILD_FIRST = [
  'mp_usage_events',
  'mp_webhook_attempts',
  'mp_webhook_deliveries',
  'mp_inbox',
  'mp_operations',
  'mp_landing_tokens',
  'mp_subscriptions',
] as const;

/** Rows per insert: well under both dialects' limit on bound values (SQLite 32,766; PostgreSQL 65,535) at 25 columns. */
const ROWS_PER_INSERT = 500;

/** Every table, in a stable order (so that two exports of one state are the same text). */
export async function readTables(db: Kysely<MarketplaceTables>): Promise<StateTables> {
  const [subscriptions, tokens, operations, deliveries, attempts, inbox, usage] = await Promise.all([
    db.selectFrom('mp_subscriptions').selectAll().orderBy('id').execute(),
    db.selectFrom('mp_landing_tokens').selectAll().orderBy('token_hash').execute(),
    db.selectFrom('mp_operations').selectAll().orderBy('id').execute(),
    db.selectFrom('mp_webhook_deliveries').selectAll().orderBy('id').execute(),
    db.selectFrom('mp_webhook_attempts').selectAll().orderBy('delivery_id').orderBy('attempt').execute(),
    db.selectFrom('mp_inbox').selectAll().orderBy('id').execute(),
    db.selectFrom('mp_usage_events').selectAll().orderBy('usage_event_id').execute(),
  ]);
  const attemptLogs = new Map<string, typeof attempts>();
  for (const attempt of attempts) attemptLogs.set(attempt.delivery_id, [...(attemptLogs.get(attempt.delivery_id) ?? []), attempt]);
  return {
    subscriptions: subscriptions.map(rowToSubscription),
    landingTokens: tokens.map((t) => ({ tokenHash: t.token_hash, subscriptionId: t.subscription_id, expiresAt: t.expires_at })),
    operations: operations.map(rowToOperation),
    deliveries: deliveries.map((row) => ({
      ...rowToDelivery(row),
      attemptLog: (attemptLogs.get(row.id) ?? []).map((a) => ({
        attempt: a.attempt,
        at: a.at,
        statusCode: a.status_code ?? undefined,
        error: a.error ?? undefined,
        latencyMs: a.latency_ms,
      })),
    })),
    inbox: inbox.map(rowToInbox),
    usage: usage.map(rowToUsage),
  };
}

/** Writes the tables into empty ones (the caller empties them, in the same transaction). */
export async function writeTables(db: Kysely<MarketplaceTables>, tables: StateTables): Promise<void> {
  const attempts = tables.deliveries.flatMap((d) =>
    d.attemptLog.map((a) => ({
      delivery_id: d.id,
      attempt: a.attempt,
      at: a.at,
      status_code: a.statusCode ?? null,
      error: a.error ?? null,
      latency_ms: Math.round(a.latencyMs),
    })),
  );
  const landingTokens = tables.landingTokens.map((t) => ({ token_hash: t.tokenHash, subscription_id: t.subscriptionId, expires_at: t.expiresAt }));
  await insertAll(db, 'mp_subscriptions', tables.subscriptions.map(subscriptionToRow));
  await insertAll(db, 'mp_landing_tokens', landingTokens);
  await insertAll(db, 'mp_operations', tables.operations.map(operationToRow));
  await insertAll(
    db,
    'mp_webhook_deliveries',
    tables.deliveries.map(({ attemptLog: _, ...delivery }) => deliveryToRow(delivery)),
  );
  await insertAll(db, 'mp_webhook_attempts', attempts);
  await insertAll(db, 'mp_inbox', tables.inbox.map(inboxToRow));
  await insertAll(db, 'mp_usage_events', tables.usage.map(usageToRow));
}

async function insertAll<T extends keyof MarketplaceTables>(db: Kysely<MarketplaceTables>, table: T, rows: MarketplaceTables[T][]): Promise<void> {
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    // Kysely cannot relate a table name given as a type parameter to that table's row type.
    const chunk = rows.slice(start, start + ROWS_PER_INSERT) as never;
    await db.insertInto(table).values(chunk).execute();
  }
}
