// A product killed with SIGKILL while it records and sends usage: started again on the same journal, it
// sends every record it had acknowledged to its caller, and none is stored twice.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { UsageRecorder } from '@saas-fulfillment/app';
import { APP_API_KEY, startTestStack, type TestStack } from '../helpers/stack.js';

const PRODUCT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/record-usage.mjs');

describe('usage recorded by a product killed with SIGKILL', () => {
  let stack: TestStack;
  const scratch = mkdtempSync(path.join(tmpdir(), 'saas-app-crash-'));
  before(async () => {
    stack = await startTestStack();
  });
  after(async () => {
    await stack.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  for (const round of [1, 2, 3]) {
    it(`loses no acknowledged record and stores none twice (round ${round})`, async () => {
      const id = await stack.buyAndActivate({ planId: 'pro', quantity: 2 });
      const journal = path.join(scratch, `usage-${round}.jsonl`);
      const child = spawn(process.execPath, [PRODUCT, stack.publisherUrl, APP_API_KEY, journal, id], { stdio: ['ignore', 'pipe', 'inherit'] });
      const acked: string[] = [];
      let buffer = '';
      const killed = new Promise<void>((resolve) => child.on('exit', () => resolve()));
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) if (line.startsWith('acked ')) acked.push(line.slice(6));
        // Killed at a different point each round, while batches are on their way.
        if (acked.length >= 150 * round && !child.killed) child.kill('SIGKILL');
      });
      await killed;
      assert.ok(acked.length >= 150 * round, `${acked.length} records acknowledged before the kill`);

      const restarted = await UsageRecorder.open({ baseUrl: stack.publisherUrl, apiKey: APP_API_KEY }, { journal, flushIntervalMs: 60_000 });
      await restarted.flush();
      assert.equal(restarted.waiting, 0);
      await restarted.close();
      const stored = (await stack.publisher.publisher.store.usage.recordsOf(id, 100_000)).map((r) => r.idempotency_key);
      assert.equal(new Set(stored).size, stored.length, 'no record stored twice');
      const missing = acked.filter((key) => !stored.includes(key));
      assert.deepEqual(missing, [], 'every acknowledged record reached the publisher');
    });
  }
});
