// The README's client example, run as written: in a new `npm init -y` folder that installs this package,
// against the emulator.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { DEV_PUBLISHER, startTestMarketplace, type TestMarketplace } from '../helpers/marketplace.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function readmeExample(): string {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const match = /<!-- client-example -->\s*```js\n([\s\S]*?)```/.exec(readme);
  assert.ok(match, 'README has a client example');
  return match[1]!;
}

describe('README client example', () => {
  let mp: TestMarketplace;
  let folder: string;
  before(async () => {
    mp = await startTestMarketplace({ publisher: { landingPageUrl: 'https://publisher.example.com/landing' } });
    folder = mkdtempSync(path.join(tmpdir(), 'try-client-'));
  });
  after(async () => {
    await mp.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('runs as written in a new npm init -y folder', async () => {
    assert.ok(existsSync(path.join(root, 'dist/client/index.js')) && existsSync(path.join(root, 'dist/client/index.d.ts')), 'the package is built with typed declarations');
    const quiet = { cwd: folder, encoding: 'utf8' as const, timeout: 60_000 };
    await run(NPM, ['init', '-y'], quiet);
    await run(NPM, ['install', '--offline', '--no-audit', '--no-fund', root], quiet);
    writeFileSync(path.join(folder, 'example.mjs'), readmeExample());
    const bought = await mp.purchase({ planId: 'pro', quantity: 3 });
    const result = await run(process.execPath, ['example.mjs'], {
      ...quiet,
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
    assert.match(result.stdout, new RegExp(`${bought.subscriptionId} pro Subscribed`));
  });
});
