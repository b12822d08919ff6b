// The README's client example, run as written (through the package's own export) against the emulator.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { DEV_PUBLISHER, startTestMarketplace, type TestMarketplace } from '../helpers/marketplace.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function readmeExample(): string {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const match = /<!-- client-example -->\s*```ts\n([\s\S]*?)```/.exec(readme);
  assert.ok(match, 'README has a client example');
  return match[1]!;
}

describe('README client example', () => {
  let mp: TestMarketplace;
  before(async () => {
    mp = await startTestMarketplace({ publisher: { landingPageUrl: 'https://publisher.example.com/landing' } });
  });
  after(() => mp.close());

  it('works as written', async () => {
    assert.ok(existsSync(path.join(root, 'dist/client/index.js')) && existsSync(path.join(root, 'dist/client/index.d.ts')), 'the package is built with typed declarations (npm run build)');
    const bought = await mp.purchase({ planId: 'pro', quantity: 3 });
    const dir = path.join(root, '.tmp');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'readme-example.ts');
    writeFileSync(file, readmeExample());
    // Asynchronously: the emulator answering the example lives in this process.
    const run = await promisify(execFile)(process.execPath, ['--import', 'tsx', file], {
      cwd: root,
      encoding: 'utf8',
      timeout: 30_000,
      env: {
        ...process.env,
        TENANT_ID: DEV_PUBLISHER.tenantId,
        CLIENT_ID: DEV_PUBLISHER.clientId,
        CLIENT_SECRET: DEV_PUBLISHER.clientSecret,
        AUTHORITY_HOST: mp.url,
        MARKETPLACE_API: `${mp.url}/api`,
        LANDING_URL: bought.landingPageUrl!,
      },
    });
    assert.match(run.stdout, new RegExp(`${bought.subscriptionId} pro Subscribed`));
  });
});
