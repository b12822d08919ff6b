// The README's terminal walk ("Every marketplace event from a terminal"), run as written against an
// emulator whose webhooks a receiver takes: each `$ npx saas-fulfillment ...` line is run with the built
// command (the subscription id the first one prints stands in for the README's), and each line it prints
// must have the shape of the README's line: the same words, with ids, times and counts of the run's own.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCliAsync } from '../helpers/cli.js';
import { startTestMarketplace, type TestMarketplace } from '../helpers/marketplace.js';
import { repositoryRoot } from '../helpers/paths.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/receiver.js';

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

/** The console block under the README's terminal heading: each command with the lines it prints. */
function readmeWalk(): { command: string[]; prints: string[] }[] {
  const readme = readFileSync(path.join(repositoryRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Every marketplace event from a terminal'));
  const block = /```console\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  const steps: { command: string[]; prints: string[] }[] = [];
  for (const line of block.split('\n').filter(Boolean)) {
    if (line.startsWith('$ npx saas-fulfillment ')) steps.push({ command: line.slice('$ npx saas-fulfillment '.length).split(' '), prints: [] });
    else steps.at(-1)?.prints.push(line);
  }
  return steps;
}

/** A README line as a pattern: its words exactly, any id, time, date or count of the run's own in their places. */
function shapeOf(line: string): RegExp {
  const escaped = line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = escaped
    .replace(new RegExp(GUID.source, 'g'), GUID.source)
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\\\.\d{3}Z/g, '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z')
    .replace(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/g, '\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}')
    .replace(/\b\d+ scheduled/g, '\\d+ scheduled');
  return new RegExp(`^${pattern}$`);
}

describe("the README's terminal walk", () => {
  let mp: TestMarketplace;
  let receiver: WebhookReceiver;
  before(async () => {
    receiver = await startWebhookReceiver();
    mp = await startTestMarketplace({ publisher: { webhookUrl: receiver.url } });
  });
  after(async () => {
    await mp.close();
    await receiver.close();
  });

  it('runs as written and prints what the README shows', async () => {
    const steps = readmeWalk();
    assert.ok(steps.length >= 4, 'the README shows the walk');
    let readmeId = '';
    let ourId = '';
    for (const step of steps) {
      const command = step.command.map((arg) => (readmeId && arg === readmeId ? ourId : arg));
      // The deliveries of the moment before: the emulator's worker sends them as it polls.
      if (command[0] === 'webhooks') await mp.app.marketplace.worker.drain();
      const result = await runCliAsync([...command, '--marketplace-url', mp.url]);
      assert.equal(result.status, 0, `${command.join(' ')}: ${result.stderr}`);
      if (!readmeId) {
        readmeId = GUID.exec(step.prints[0] ?? '')?.[0] ?? '';
        ourId = GUID.exec(result.stdout)?.[0] ?? '';
      }
      const printed = result.stdout.trimEnd().split('\n');
      assert.equal(printed.length, step.prints.length, `${command.join(' ')} printed:\n${result.stdout}`);
      for (const [i, line] of step.prints.entries()) assert.match(printed[i] ?? '', shapeOf(line), `${command.join(' ')}, line ${i + 1}`);
    }
  });
});
