// The client installed alone, as the README says: the contract and client packages packed into
// tarballs and installed into a new `npm init -y` folder, bringing nothing that needs a server or a
// native build; then the example in the client's README, run as written there, against the emulator.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { DEV_PUBLISHER, startTestMarketplace, type TestMarketplace } from '../helpers/marketplace.js';
import { repositoryRoot as root } from '../helpers/paths.js';
import { readmeExample } from '../helpers/readme.js';

const run = promisify(execFile);
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const SERVER_PACKAGES = ['fastify', 'better-sqlite3', 'pg', 'kysely', 'pino', 'jose', '@saas-fulfillment/store', '@saas-fulfillment/web'];

describe('the client on its own', () => {
  let mp: TestMarketplace;
  let folder: string;
  let packed: string;
  before(async () => {
    mp = await startTestMarketplace({ publisher: { landingPageUrl: 'https://publisher.example.com/landing' } });
    folder = mkdtempSync(path.join(tmpdir(), 'try-client-'));
    packed = mkdtempSync(path.join(tmpdir(), 'packed-'));
  });
  after(async () => {
    await mp.close();
    rmSync(folder, { recursive: true, force: true });
    rmSync(packed, { recursive: true, force: true });
  });

  it('installs from packed tarballs into a new npm init -y folder without server or native packages, and the README example runs', async () => {
    assert.ok(
      existsSync(path.join(root, 'packages/client/dist/index.js')) && existsSync(path.join(root, 'packages/client/dist/index.d.ts')),
      'the client is built with typed declarations',
    );
    const quiet = { encoding: 'utf8' as const, timeout: 120_000 };
    await run(NPM, ['pack', '--workspace', '@saas-fulfillment/contract', '--workspace', '@saas-fulfillment/client', '--pack-destination', packed], {
      ...quiet,
      cwd: root,
    });
    const tarballs = readdirSync(packed).map((file) => path.join(packed, file));
    assert.equal(tarballs.length, 2);
    await run(NPM, ['init', '-y'], { ...quiet, cwd: folder });
    await run(NPM, ['install', '--prefer-offline', '--no-audit', '--no-fund', ...tarballs], { ...quiet, cwd: folder });
    const installed = readdirSync(path.join(folder, 'node_modules'));
    for (const name of SERVER_PACKAGES)
      assert.ok(!existsSync(path.join(folder, 'node_modules', name)), `${name} is not installed with the client (${installed.join(', ')})`);

    const example = readmeExample('client');
    assert.ok(example, 'the client README has an example');
    writeFileSync(path.join(folder, 'example.mjs'), example.code);
    const bought = await mp.purchase({ planId: 'pro', quantity: 3 });
    const result = await run(process.execPath, ['example.mjs'], {
      ...quiet,
      cwd: folder,
      env: {
        ...process.env,
        TENANT_ID: DEV_PUBLISHER.tenantId,
        CLIENT_ID: DEV_PUBLISHER.clientId,
        CLIENT_SECRET: DEV_PUBLISHER.clientSecret,
        AUTHORITY_HOST: mp.url,
        MARKETPLACE_API: `${mp.url}/api`,
        LANDING_URL: bought.landingPageUrl,
      },
    });
    assert.match(result.stdout, new RegExp(`${bought.subscriptionId} pro Subscribed`));
  });
});
