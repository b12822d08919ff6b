// examples/python/saas_app.py, with Debian's python3 and nothing else, against a live publisher whose
// marketplace clock was moved days ahead: an entitlement and its 304, usage sent twice and stored once in
// the publisher's hour, and a real signed event verified (and a changed copy refused); what it prints is
// what its README says. Usage the publisher refuses is printed with its reason and exits 1.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { OffsetClock } from '@saas-fulfillment/contract';
import { repositoryRoot } from '../helpers/paths.js';
import { APP_API_KEY, startTestStack, type TestStack } from '../helpers/stack.js';
import { until } from '../helpers/wait.js';

const run = promisify(execFile);
const EXAMPLE = path.join(repositoryRoot, 'examples/python');
const EVENT_SECRET = `whsec_${Buffer.from('a-test-secret-of-32-bytes-length').toString('base64')}`;

describe('the Python example', () => {
  let stack: TestStack;
  const events: { headers: Record<string, string>; body: string }[] = [];
  const receiver = Fastify();
  const scratch = mkdtempSync(path.join(tmpdir(), 'python-example-'));

  before(async () => {
    receiver.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, body));
    receiver.post('/events', async (request) => {
      events.push({ headers: request.headers as Record<string, string>, body: request.body as string });
      return {};
    });
    const url = await receiver.listen({ host: '127.0.0.1', port: 0 });
    // The marketplace clock moved, as `clock advance` does: the script stamps real time and says when it sent.
    const clock = new OffsetClock();
    clock.advance(2 * 24 * 3_600_000);
    stack = await startTestStack({ marketplace: { clock }, publisher: { meteringClock: clock, events: { url: `${url}/events`, secret: EVENT_SECRET } } });
  });
  after(async () => {
    await stack.close();
    await receiver.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('prints what its README says, with the standard library only', async () => {
    const id = await stack.buyAndActivate({ planId: 'pro', quantity: 2 });
    const activated = await until(async () => events.find((e) => e.body.includes('"subscription.activated"') && e.body.includes(id)), 'the activation event');
    const saved = path.join(scratch, 'event.json');
    const headers = Object.fromEntries(['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((name) => [name, activated.headers[name]]));
    writeFileSync(saved, JSON.stringify({ secret: EVENT_SECRET, headers, body: activated.body }));
    const { stdout } = await run('python3', ['-I', path.join(EXAMPLE, 'saas_app.py'), stack.publisherUrl, APP_API_KEY, id, saved], { timeout: 30_000 });
    const readme = readFileSync(path.join(EXAMPLE, 'README.md'), 'utf8');
    const printed = /```text\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.equal(stdout, printed);
    const stored = await stack.publisher.publisher.store.usage.recordsOf(id, 10);
    assert.equal(stored.length, 2, 'sent twice, stored once');
    for (const record of stored)
      assert.ok(Math.abs(Date.parse(record.occurred_at) - Date.now() - 2 * 24 * 3_600_000) < 120_000, `billed at ${record.occurred_at}, on the moved clock`);
  });

  it('prints each record the publisher refuses with its reason, and exits 1', async () => {
    const id = await stack.buyAndActivate({ planId: 'basic', quantity: undefined });
    const result = await run('python3', ['-I', path.join(EXAMPLE, 'saas_app.py'), stack.publisherUrl, APP_API_KEY, id], { timeout: 30_000 }).then(
      () => ({ code: 0, stdout: '' }),
      (error: { code: number; stdout: string }) => error,
    );
    assert.equal(result.code, 1, 'a refusal is a failure of the script');
    const readme = readFileSync(path.join(EXAMPLE, 'README.md'), 'utf8');
    const refusals = [...readme.matchAll(/```text\n([\s\S]*?)```/g)][1]?.[1] ?? '';
    assert.ok(refusals.length > 0 && result.stdout.includes(refusals), `${result.stdout}\n---\n${refusals}`);
  });
});
