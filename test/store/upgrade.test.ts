// Upgrades lose nothing: every release's fixture (test/fixtures/upgrade/<version>: a publisher's database
// as that release wrote it, on SQLite and on PostgreSQL) is opened by the current code, which migrates it
// forward, and every row of every table is still there with the values it had; the store reads it. A
// database written by a newer version than this code is refused with a message that says what to do.
import assert from 'node:assert/strict';
import { copyFileSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { openPublisherStore } from '@saas-fulfillment/publisher';
import { testDialects, testLocation, type TestLocation } from '../helpers/databases.js';
import { repositoryRoot } from '../helpers/paths.js';

const FIXTURES = path.join(repositoryRoot, 'test/fixtures/upgrade');
const SCHEMA_PLACEHOLDER = '__fixture_schema__';
type Rows = Record<string, Record<string, unknown>[]>;

/** Every row of every table but the migrations' own, in a stable order, to compare before and after. */
async function snapshot(query: (sql: string) => Promise<Record<string, unknown>[]>, tables: string[], columns?: Record<string, string[]>): Promise<Rows> {
  const rows: Rows = {};
  for (const table of tables) {
    const all = await query(`select * from ${table}`);
    const keep = columns?.[table];
    rows[table] = all
      .map((row) => (keep ? Object.fromEntries(keep.map((column) => [column, row[column]])) : row))
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }
  return rows;
}
/**
 * Columns a later migration replaced, and how their values read now: quantities became whole millionths
 * (0004_exact_quantities). A fixture's row is compared in today's form.
 */
const toMicros = (value: unknown) => (value === null ? null : Math.round(Number(value) * 1_000_000));
const REPLACED: Record<string, Record<string, string>> = {
  pub_usage_records: { quantity: 'quantity_micros' },
  pub_usage_hours: { quantity: 'quantity_micros', included: 'included_micros', billable: 'billable_micros', accepted_quantity: 'accepted_micros' },
};
function inTodaysForm(rows: Rows): Rows {
  return Object.fromEntries(
    Object.entries(rows).map(([table, list]) => {
      const replaced = REPLACED[table] ?? {};
      const row = (r: Record<string, unknown>) =>
        Object.fromEntries(Object.entries(r).map(([column, value]) => (replaced[column] ? [replaced[column], toMicros(value)] : [column, value])));
      return [table, list.map(row).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))];
    }),
  );
}
/** PostgreSQL hands a bigint back as text: read the micros columns as numbers. */
function microsAsNumbers(rows: Rows): Rows {
  const micros = new Set(Object.values(REPLACED).flatMap((columns) => Object.values(columns)));
  const row = (r: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(r).map(([column, value]) => [column, micros.has(column) && value !== null ? Number(value) : value]));
  return Object.fromEntries(
    Object.entries(rows).map(([table, list]) => [table, list.map(row).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))]),
  );
}
const columnsOf = (rows: Rows) => Object.fromEntries(Object.entries(rows).map(([table, list]) => [table, Object.keys(list[0] ?? {})]));

/** The fixture loaded where the current code will open it; a query function on it, raw. */
async function load(
  version: string,
  location: TestLocation,
): Promise<{ query: (sql: string) => Promise<Record<string, unknown>[]>; tables: string[]; close(): Promise<void> }> {
  if (location.schema === undefined) {
    const file = path.join(location.dataDir, 'publisher.sqlite');
    copyFileSync(path.join(FIXTURES, version, 'publisher.sqlite'), file);
    const raw = new SQLite(file);
    const tables = raw
      .prepare("select name from sqlite_master where type = 'table' and name like 'pub\\_%' escape '\\' and name not like '%migration%'")
      .pluck()
      .all() as string[];
    return { query: async (sql) => raw.prepare(sql).all() as Record<string, unknown>[], tables, close: async () => void raw.close() };
  }
  const client = new pg.Client({ connectionString: location.databaseUrl });
  await client.connect();
  // pg_dump's psql-only lines (\restrict) are left out; the rest is plain SQL.
  const dump = readFileSync(path.join(FIXTURES, version, 'publisher.postgres.sql'), 'utf8').replaceAll(SCHEMA_PLACEHOLDER, location.schema);
  await client.query(dump.replace(/^\\.*$/gm, ''));
  const schema = location.schema;
  const { rows } = await client.query<{ name: string }>(
    "select table_name as name from information_schema.tables where table_schema = $1 and table_name like 'pub\\_%' and table_name not like '%migration%'",
    [schema],
  );
  return {
    query: async (sql) => (await client.query(sql.replace(/from (\w+)/, `from ${schema}.$1`))).rows,
    tables: rows.map((row) => row.name),
    close: () => client.end(),
  };
}

const versions = readdirSync(FIXTURES).filter((name) => /^\d+\.\d+\.\d+$/.test(name));
const dialects = await testDialects();

describe('upgrading a database written by an earlier release', () => {
  it('has a fixture of this release or an earlier one', () => assert.ok(versions.length > 0));

  for (const version of versions)
    for (const dialect of dialects)
      it(`${version} on ${dialect}: migrates, keeps every row, and the store reads it`, async () => {
        const location = testLocation(dialect);
        const fixture = await load(version, location);
        try {
          const before = await snapshot(fixture.query, fixture.tables);
          const statuses = new Set(before.pub_subscriptions?.map((row) => row.status));
          for (const status of ['PendingFulfillmentStart', 'Subscribed', 'Suspended', 'Unsubscribed'])
            assert.ok(statuses.has(status), `the fixture holds a ${status} subscription`);
          for (const table of ['pub_operations', 'pub_webhook_inbox', 'pub_jobs', 'pub_usage_records', 'pub_usage_hours', 'pub_sessions', 'pub_audit'])
            assert.ok((before[table]?.length ?? 0) > 0, `the fixture has rows in ${table}`);

          const { store, database } = await openPublisherStore({ dataDir: location.dataDir, databaseUrl: location.databaseUrl, schema: location.schema });
          try {
            const expected = inTodaysForm(before);
            assert.deepEqual(microsAsNumbers(await snapshot(fixture.query, fixture.tables, columnsOf(expected))), expected);
            for (const row of before.pub_subscriptions ?? []) assert.equal((await store.getSubscription(String(row.id)))?.status, row.status);
            assert.equal((await store.jobs.list({ limit: 1000 })).length, before.pub_jobs?.length);
          } finally {
            await database.close();
          }
        } finally {
          await fixture.close();
          await location.cleanup();
        }
      });

  it('refuses a database a newer version has migrated, saying what to do', async () => {
    const location = testLocation('sqlite');
    const fixture = await load(versions.at(-1)!, location);
    await fixture.query("insert into pub_migration (name, timestamp) values ('9999_from_a_later_release', '2099-01-01T00:00:00.000Z') returning name");
    await fixture.close();
    try {
      await assert.rejects(
        openPublisherStore({ dataDir: location.dataDir }),
        /written by a newer version of saas-fulfillment \(it has run migration 9999_from_a_later_release; this version knows up to \S+\): run that version or a later one, or restore the backup/,
      );
    } finally {
      await location.cleanup();
    }
  });
});
