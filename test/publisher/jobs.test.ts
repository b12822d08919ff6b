// The jobs queue: a slow job keeps its claim while it runs; a job whose worker died is taken back.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '@saas-fulfillment/contract';
import type { JobHandlers } from '@saas-fulfillment/publisher/internals';
import { timeOrderedId } from '@saas-fulfillment/publisher/internals';
import { JobWorker } from '@saas-fulfillment/publisher/internals';
import { openPublisherStore, type PublisherStore } from '@saas-fulfillment/publisher';
import type { Database } from '@saas-fulfillment/store';
import type { PublisherTables } from '@saas-fulfillment/publisher/internals';
import { testLocation } from '../helpers/databases.js';

describe('jobs queue', () => {
  const location = testLocation('sqlite');
  let store: PublisherStore;
  let database: Database<PublisherTables>;
  before(async () => {
    ({ store, database } = await openPublisherStore({ dataDir: location.dataDir }));
  });
  after(async () => {
    await database.close();
    await location.cleanup();
  });

  const now = () => new Date().toISOString();
  /** Handlers that run `work` for reconcile jobs and refuse any other kind. */
  const only = (work: () => Promise<void>): JobHandlers => {
    const unexpected = async () => assert.fail('no other kind of job runs here');
    return { activate: unexpected, provision: unexpected, webhook: unexpected, 'await-operation': unexpected, 'deliver-event': unexpected, reconcile: work };
  };

  it('gives jobs ids in UUID version 7 layout that sort by the time they were made', () => {
    const ids = [1_700_000_000_000, 1_700_000_000_001, 1_800_000_000_000].map((ms) => timeOrderedId(ms));
    for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual([...ids].sort(), ids);
    assert.equal(ids[0]?.slice(0, 13), '018bcfe5-6800', 'the first 48 bits are the millisecond time');
    assert.notEqual(timeOrderedId(1), timeOrderedId(1), 'the rest is random');
  });

  it('renews the claim of a job that runs longer than the lock, so no other worker runs it too', async () => {
    let runs = 0;
    const slow = async () => {
      runs++;
      await new Promise((resolve) => setTimeout(resolve, 900));
    };
    const first = new JobWorker(store.jobs, systemClock, only(slow), { lockMs: 300 });
    const second = new JobWorker(store.jobs, systemClock, only(slow), { lockMs: 300 });
    await store.jobs.enqueue({ kind: 'reconcile', payload: {}, runAt: now() });
    const running = first.drain();
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (let i = 0; i < 8; i++) {
      await second.drain();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await running;
    assert.equal(runs, 1);
  });

  it('takes back a job whose worker died, once its claim runs out', async () => {
    let ran = false;
    await store.jobs.enqueue({ kind: 'reconcile', payload: {}, runAt: now() });
    const [claimed] = await store.jobs.claim('dead-worker', now(), new Date(Date.now() + 200).toISOString(), 1);
    assert.equal(claimed?.kind, 'reconcile');
    const worker = new JobWorker(
      store.jobs,
      systemClock,
      only(async () => {
        ran = true;
      }),
    );
    assert.equal(await worker.drain(), 0, 'not while the claim holds');
    await new Promise((resolve) => setTimeout(resolve, 250));
    await worker.drain();
    assert.equal(ran, true);
  });

  it('sets aside a job whose payload does not match its kind, saying why, without running it', async () => {
    let ran = false;
    const id = await store.jobs.enqueue({ kind: 'reconcile', payload: {}, runAt: now() });
    await database.db.updateTable('pub_jobs').set({ kind: 'activate' }).where('id', '=', id!).execute();
    const outcomes: string[] = [];
    const worker = new JobWorker(
      store.jobs,
      systemClock,
      {
        ...only(async () => undefined),
        activate: async () => {
          ran = true;
        },
      },
      { onOutcome: (_job, outcome) => outcomes.push(outcome) },
    );
    await worker.drain();
    assert.equal(ran, false);
    assert.deepEqual(outcomes, ['dead']);
    const [dead] = await store.jobs.list({ status: ['dead'], limit: 10 });
    assert.match(dead?.lastError ?? '', /the activate job's payload is damaged: payload\.subscriptionId is required/);
  });
});
