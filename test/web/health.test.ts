// The probes both apps answer a container platform with: /healthz while the process answers, /readyz
// while every check passes, and a 503 naming each failing check in our words (never a 500, never what the
// error said: that goes to the log, once, when the check starts failing).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createServer, databaseAnswers, healthProbes } from '@saas-fulfillment/web';
import { capturingLogger } from '../helpers/logs.js';

describe('health probes', () => {
  it('are ready while every check passes, and answer 503 naming each failing one', async () => {
    let databaseUp = true;
    let workerProblem: string | undefined;
    const logs = capturingLogger();
    const app = createServer({ logger: logs.logger, bodyLimit: 1024 });
    healthProbes(app, {
      database: databaseAnswers({ ping: async () => (databaseUp ? undefined : Promise.reject(new Error('connect ECONNREFUSED 10.0.0.7:5432'))) }),
      worker: async () => workerProblem,
      slow: () => new Promise((resolve) => setTimeout(() => resolve(undefined), 100)),
    });
    try {
      assert.deepEqual((await app.inject('/readyz')).json(), { status: 'ready', checks: { database: 'ok', worker: 'ok', slow: 'ok' } });
      databaseUp = false;
      workerProblem = 'not running';
      const down = await app.inject('/readyz');
      assert.equal(down.statusCode, 503);
      assert.deepEqual(down.json(), { status: 'not ready: database, worker', checks: { database: 'unavailable', worker: 'not running', slow: 'ok' } });
      assert.doesNotMatch(down.body, /ECONNREFUSED|10\.0\.0\.7/, 'the cause stays in the logs');
      await app.inject('/readyz');
      assert.equal(logs.lines.filter((line) => line.includes('not ready: database')).length, 1, 'logged once, when it started failing');
      assert.match(logs.lines.join('\n'), /ECONNREFUSED/);
      databaseUp = true;
      workerProblem = undefined;
      assert.equal((await app.inject('/readyz')).statusCode, 200);
      const live = await app.inject('/healthz');
      assert.deepEqual([live.statusCode, live.json()], [200, { status: 'ok' }]);
    } finally {
      await app.close();
    }
  });
});
