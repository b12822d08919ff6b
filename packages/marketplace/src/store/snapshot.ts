// Every table of marketplace state read out as records and written back in bulk: what a state snapshot
// (GET and PUT /simulator/state) and a seed's reset are made of. Each table's rows go in as one statement.
import { sql, type Kysely } from 'kysely';
import type { DialectName } from '@saas-fulfillment/store';
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
export async function writeTables(db: Kysely<MarketplaceTables>, dialect: DialectName, tables: StateTables): Promise<void> {
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
  await insertAll(db, dialect, 'mp_subscriptions', tables.subscriptions.map(subscriptionToRow));
  await insertAll(db, dialect, 'mp_landing_tokens', landingTokens);
  await insertAll(db, dialect, 'mp_operations', tables.operations.map(operationToRow));
  await insertAll(
    db,
    dialect,
    'mp_webhook_deliveries',
    tables.deliveries.map(({ attemptLog: _, ...delivery }) => deliveryToRow(delivery)),
  );
  await insertAll(db, dialect, 'mp_webhook_attempts', attempts);
  await insertAll(db, dialect, 'mp_inbox', tables.inbox.map(inboxToRow));
  await insertAll(db, dialect, 'mp_usage_events', tables.usage.map(usageToRow));
}

/** Rows per SQLite insert: 500 rows of 25 columns stay well under its 32,766 bound values. */
const ROWS_PER_INSERT = 500;

/**
 * Many rows to a statement. PostgreSQL takes them all as one JSON parameter and takes the array apart
 * itself (jsonb_populate_recordset): no bound value per column and row. SQLite's own JSON functions
 * measured slower there than bound values (they parse each row's object once per column).
 */
async function insertAll<T extends keyof MarketplaceTables>(
  db: Kysely<MarketplaceTables>,
  dialect: DialectName,
  table: T,
  rows: MarketplaceTables[T][],
): Promise<void> {
  const [first] = rows;
  if (!first) return;
  if (dialect === 'postgres') {
    const columns = sql.join(Object.keys(first).map((c) => sql.ref(c)));
    const json = JSON.stringify(rows);
    await sql`insert into ${sql.table(table)} (${columns}) select ${columns} from jsonb_populate_recordset(null::${sql.table(table)}, ${json}::jsonb)`.execute(
      db,
    );
    return;
  }
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    // Kysely cannot relate a table name given as a type parameter to that table's row type.
    const chunk = rows.slice(start, start + ROWS_PER_INSERT) as never;
    await db.insertInto(table).values(chunk).execute();
  }
}
