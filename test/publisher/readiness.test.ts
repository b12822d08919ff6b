// /readyz on a live publisher, one cause at a time: a migration this version does not know (a newer version
// migrated the database), the job worker stopped, the credential's token requests refused. Each answers
// 503 naming the check in words, and 200 again once the cause is gone. The database's own outage is
// provoked in test/publisher/database-outage.process.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ClientSecretCredential } from '@saas-fulfillment/client';
import { type Kysely, sql } from 'kysely';
import { DEV_PUBLISHER } from '../helpers/marketplace.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

describe('readiness, cause by cause', () => {
  let stack: TestStack;
  let refused: ClientSecretCredential;

  before(async () => {
    // The credential the service reports on: first one not yet used (ready), then, once the emulator listens,
    // the emulator's dev app with a secret it does not have.
    let reported = new ClientSecretCredential({
      tenantId: DEV_PUBLISHER.tenantId,
      clientId: DEV_PUBLISHER.clientId,
      clientSecret: 'unused',
      authorityHost: 'http://127.0.0.1:9',
    });
    stack = await startTestStack({ publisher: { credential: { health: () => reported.health() } } });
    refused = new ClientSecretCredential({
      tenantId: DEV_PUBLISHER.tenantId,
      clientId: DEV_PUBLISHER.clientId,
      clientSecret: 'not the secret',
      authorityHost: stack.mp.url,
    });
    reported = refused;
  });
  after(() => stack.close());

  const readiness = async () => {
    const response = await fetch(`${stack.publisherUrl}/readyz`);
    return { status: response.status, body: (await response.json()) as { status: string; checks: Record<string, string> } };
  };

  it('is ready with every check passing', async () => {
    assert.deepEqual(await readiness(), {
      status: 200,
      body: { status: 'ready', checks: { database: 'ok', migrations: 'ok', worker: 'ok', credential: 'ok' } },
    });
  });

  it('names a migration a newer version ran', async () => {
    // The store's own connection (a second one would wait on SQLite's writer).
    const { db } = stack.publisher.publisher.store as unknown as { db: Kysely<unknown> };
    await sql`insert into pub_migration (name, timestamp) values ('9999_from_a_later_release', '2099-01-01T00:00:00.000Z')`.execute(db);
    try {
      const ready = await readiness();
      assert.equal(ready.status, 503);
      assert.equal(ready.body.status, 'not ready: migrations');
      assert.match(ready.body.checks.migrations ?? '', /a newer version migrated the database \(9999_from_a_later_release\)/);
    } finally {
      await sql`delete from pub_migration where name = '9999_from_a_later_release'`.execute(db);
    }
    assert.equal((await readiness()).status, 200);
  });

  it('names the credential once its token request is refused, and the worker once it stops', async () => {
    await assert.rejects(refused.getToken());
    const ready = await readiness();
    assert.equal(ready.status, 503);
    assert.match(ready.body.checks.credential ?? '', /^its last token request failed/);
    assert.doesNotMatch(JSON.stringify(ready.body), /AADSTS|secret/i, 'Entra’s words stay in the log and on the Connection page');

    await stack.publisher.publisher.worker.stop();
    const stopped = await readiness();
    assert.deepEqual([stopped.status, stopped.body.status, stopped.body.checks.worker], [503, 'not ready: worker, credential', 'not running']);
  });
});
