// The storage skeleton both apps build on, on both dialects: open and migrate, a transaction that lands
// whole or not at all, the row lock, the settings table, and how flags, JSON and NULL are stored.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kysely, Migration } from 'kysely';
import { openMigrated, type Database } from '@saas-fulfillment/store';
import type { Transact } from '@saas-fulfillment/store';
import { fromColumn, fromFlag, fromJson, Repository, SettingsTable, toColumn, toFlag, toJson, type Json } from '@saas-fulfillment/store';
import { testDialects, testLocation, type TestLocation } from '../helpers/databases.js';

interface Tables {
  probe_items: { id: string; active: number; tags: Json<string[]>; note: string | null };
  probe_settings: { key: string; value: string };
}

const migrations: Record<string, Migration> = {
  '0001': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('probe_items')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('active', 'integer', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('note', 'text')
        .execute();
      await db.schema
        .createTable('probe_settings')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
    },
  },
};

class ProbeStore extends Repository<Tables, ProbeStore> {
  readonly settings: SettingsTable;
  constructor(db: Kysely<Tables>, dialect: 'sqlite' | 'postgres', transact?: Transact<Tables>) {
    super(db, dialect, transact);
    this.settings = new SettingsTable(db, 'probe_settings');
  }
  protected on(db: Kysely<Tables>): ProbeStore {
    return new ProbeStore(db, this.dialect);
  }
  async put(item: { id: string; active: boolean; tags: string[]; note: string | undefined }): Promise<void> {
    await this.db
      .insertInto('probe_items')
      .values({ id: item.id, active: toFlag(item.active), tags: toJson(item.tags), note: toColumn(item.note) })
      .execute();
  }
  async get(id: string, lock = false) {
    const query = this.db.selectFrom('probe_items').selectAll().where('id', '=', id);
    const row = await (lock ? this.locking(query) : query).executeTakeFirst();
    return row && { id: row.id, active: fromFlag(row.active), tags: fromJson(row.tags), note: fromColumn(row.note) };
  }
}

for (const dialect of await testDialects()) {
  describe(`store skeleton on ${dialect}`, () => {
    let location: TestLocation;
    let database: Database<Tables>;
    let store: ProbeStore;
    before(async () => {
      location = testLocation(dialect);
      database = await openMigrated<Tables>(
        { dataDir: location.dataDir, databaseUrl: location.databaseUrl, schema: location.schema, fileName: 'probe.sqlite' },
        migrations,
        'probe',
      );
      store = new ProbeStore(database.db, database.dialect, database.transact);
    });
    after(async () => {
      await database.close();
      await location.cleanup();
    });

    it('stores flags, JSON and absent values and reads them back alike', async () => {
      await store.put({ id: 'a', active: true, tags: ['x', 'y'], note: undefined });
      await store.put({ id: 'b', active: false, tags: [], note: 'kept' });
      assert.deepEqual(await store.get('a'), { id: 'a', active: true, tags: ['x', 'y'], note: undefined });
      assert.deepEqual(await store.get('b', true), { id: 'b', active: false, tags: [], note: 'kept' });
      assert.equal(fromFlag('1'), true, 'a driver that hands integers back as strings reads the same');
    });

    it('lands a transaction whole, or not at all', async () => {
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.put({ id: 'c', active: true, tags: [], note: undefined });
          throw new Error('changed my mind');
        }),
        /changed my mind/,
      );
      assert.equal(await store.get('c'), undefined);
      await store.transaction(async (tx) => {
        await tx.put({ id: 'd', active: true, tags: [], note: undefined });
        assert.ok(await tx.get('d', true), 'the transaction sees its own write, locked');
      });
      assert.ok(await store.get('d'));
    });

    it('keeps settings: set replaces, setOnce keeps the first value', async () => {
      assert.equal(await store.settings.get('k'), undefined);
      await store.settings.set('k', 'one');
      await store.settings.set('k', 'two');
      assert.equal(await store.settings.get('k'), 'two');
      assert.equal(await store.settings.setOnce('once', 'first'), 'first');
      assert.equal(await store.settings.setOnce('once', 'second'), 'first');
    });

    if (dialect === 'postgres') {
      it('migrates while other schemas of the database come and go (another app, a parallel test)', async () => {
        // Kysely's own catalog reading failed with `schema "..." does not exist` when a neighbour dropped its schema.
        const neighbours = Array.from({ length: 3 }, () => testLocation('postgres'));
        const churn = async (neighbour: TestLocation) => {
          for (let round = 0; round < 15; round++) {
            const opened = await openMigrated<Tables>({ ...placeOf(neighbour) }, migrations, 'probe');
            await opened.close();
            await neighbour.cleanup();
          }
        };
        const ours = async () => {
          for (let round = 0; round < 15; round++) {
            const place = testLocation('postgres');
            const opened = await openMigrated<Tables>(placeOf(place), migrations, 'probe');
            assert.deepEqual(await new ProbeStore(opened.db, 'postgres').get('none'), undefined);
            await opened.close();
            await place.cleanup();
          }
        };
        await Promise.all([...neighbours.map(churn), ours()]);
      });
    }
  });
}

function placeOf(location: TestLocation) {
  return { dataDir: location.dataDir, databaseUrl: location.databaseUrl, schema: location.schema, fileName: 'probe.sqlite' };
}
