// Group commit on SQLite: transactions that arrive together share one durable COMMIT, yet each lands
// whole or not at all, alone; and when the shared commit fails, none of them is reported as landed.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { groupCommit, type Transact } from '@saas-fulfillment/store';

interface Tables {
  parents: { id: string };
  // The foreign key is checked at COMMIT, so a bad row fails the shared commit, not its own statement.
  children: { id: string; parent_id: string };
}

describe('group commit (SQLite)', () => {
  let dir: string;
  let db: Kysely<Tables>;
  let transact: Transact<Tables>;
  let commits = 0;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'saas-group-'));
    const connection = new SQLite(path.join(dir, 'group.sqlite'));
    connection.pragma('journal_mode = WAL');
    connection.pragma('synchronous = FULL');
    connection.pragma('foreign_keys = ON');
    db = new Kysely<Tables>({
      dialect: new SqliteDialect({ database: connection }),
      log: (event) => {
        if (event.level === 'query' && event.query.sql === 'commit') commits++;
      },
    });
    await sql`create table parents (id text primary key)`.execute(db);
    await sql`create table children (id text primary key, parent_id text not null references parents(id) deferrable initially deferred)`.execute(db);
    transact = groupCommit(db);
  });
  after(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await db.deleteFrom('children').execute();
    await db.deleteFrom('parents').execute();
    commits = 0;
  });

  const parentIds = async () => (await db.selectFrom('parents').select('id').orderBy('id').execute()).map((r) => r.id);
  const put = (id: string) => transact(async (trx) => (await trx.insertInto('parents').values({ id }).returning('id').executeTakeFirstOrThrow()).id);

  it('answers transactions that arrive together after one shared commit, each with its own result', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `p${String(i).padStart(2, '0')}`);
    assert.deepEqual(await Promise.all(ids.map(put)), ids);
    assert.equal(commits, 1, 'twenty transactions, one commit');
    assert.deepEqual(await parentIds(), ids);
  });

  it('rolls back only the unit that failed, and rejects it with its own error', async () => {
    const outcomes = await Promise.allSettled([
      put('a'),
      transact(async (trx) => {
        await trx.insertInto('parents').values({ id: 'b' }).execute();
        throw new Error('unit b changed its mind');
      }),
      put('c'),
      put('a'), // a primary-key clash with the first unit: its statement fails, the others stand
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['fulfilled', 'rejected', 'fulfilled', 'rejected'],
    );
    assert.match(String((outcomes[1] as PromiseRejectedResult).reason), /unit b changed its mind/);
    assert.match(String((outcomes[3] as PromiseRejectedResult).reason), /UNIQUE/);
    assert.deepEqual(await parentIds(), ['a', 'c'], "b's insert is gone with its savepoint");
    assert.equal(commits, 1);
  });

  it('rejects every unit of a batch whose shared commit fails, and keeps none of their writes', async () => {
    const outcomes = await Promise.allSettled([
      put('x'),
      transact((trx) => trx.insertInto('children').values({ id: 'orphan', parent_id: 'nobody' }).execute()),
      put('y'),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['rejected', 'rejected', 'rejected'],
    );
    for (const outcome of outcomes) assert.match(String((outcome as PromiseRejectedResult).reason), /FOREIGN KEY/);
    assert.deepEqual(await parentIds(), []);
    assert.equal(commits, 0);
  });

  it('runs a lone transaction without a savepoint, whole or not at all', async () => {
    await assert.rejects(
      transact(async (trx) => {
        await trx.insertInto('parents').values({ id: 'lone' }).execute();
        throw new Error('no');
      }),
      /no/,
    );
    assert.deepEqual(await parentIds(), []);
    assert.equal(await put('lone'), 'lone');
    assert.equal(commits, 1);
  });

  it('carries at most 64 units per commit, and serves the rest in the next', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => `q${String(i).padStart(3, '0')}`);
    await Promise.all(ids.map(put));
    assert.equal(commits, 2);
    assert.equal((await parentIds()).length, 100);
  });
});
