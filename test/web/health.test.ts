// The probes both apps answer a container platform with: /healthz while the process answers, /readyz
// while its database does, and a 503 naming the database when it does not (never a 500).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createServer, healthProbes } from '@saas-fulfillment/web';

describe('health probes', () => {
  it('are ready while the database answers, and answer 503 naming it when it does not', async () => {
    let databaseUp = true;
    const app = createServer({ logger: false, bodyLimit: 1024 });
    healthProbes(app, { ping: async () => (databaseUp ? undefined : Promise.reject(new Error('connection refused'))) });
    try {
      assert.deepEqual((await app.inject('/readyz')).json(), { status: 'ready' });
      databaseUp = false;
      const down = await app.inject('/readyz');
      assert.equal(down.statusCode, 503);
      assert.deepEqual(down.json(), { status: 'database unavailable' });
      assert.doesNotMatch(down.body, /connection refused/, 'the cause stays in the logs');
      const live = await app.inject('/healthz');
      assert.deepEqual([live.statusCode, live.json()], [200, { status: 'ok' }]);
    } finally {
      await app.close();
    }
  });
});
