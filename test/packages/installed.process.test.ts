// The packages as a vendor gets them: every public package packed into its tarball and installed outside
// the repository. The command, installed globally from the tarballs, starts `dev`, `marketplace` and
// `publisher`, answers `trigger`, and stops on SIGTERM; each library's README example runs in a new
// `npm init -y` project that installed the tarballs.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { startCli, type CliProcess } from '../helpers/cli.js';
import { installTarballs, localPrebuildEnv, packAll } from '../helpers/install.js';
import { repositoryRoot } from '../helpers/paths.js';
import { readmeExample } from '../helpers/readme.js';
import { until } from '../helpers/wait.js';

const run = promisify(execFile);
const LIBRARIES = ['contract', 'store', 'web', 'marketplace', 'publisher', 'cli', 'app'];
/** What a vendor's product must not pull in with the SDK. */
const SERVER_PACKAGES = ['fastify', 'better-sqlite3', 'pg', 'kysely', 'pino'];
const { version } = JSON.parse(readFileSync(path.join(repositoryRoot, 'packages/cli/package.json'), 'utf8')) as { version: string };

describe('the packages installed from their tarballs', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'installed-'));
  const globalPrefix = path.join(scratch, 'global');
  const project = path.join(scratch, 'project');
  const command = path.join(globalPrefix, 'lib/node_modules/saas-fulfillment/bin/saas-fulfillment.js');
  const processes: CliProcess[] = [];
  let tarballs: string[] = [];
  let env: Record<string, string> = {};
  const start = (args: string[], env: Record<string, string> = {}) => {
    const cli = startCli(args, { TENANT_ID: '', CLIENT_ID: '', CLIENT_SECRET: '', DATABASE_URL: '', ...env }, scratch, command);
    processes.push(cli);
    return cli;
  };

  before(async () => {
    tarballs = await packAll(mkdtempSync(path.join(scratch, 'packed-')));
    assert.equal(tarballs.length, 8, tarballs.join(', '));
    env = await localPrebuildEnv(scratch);
    await Promise.all([installTarballs(globalPrefix, tarballs, env, true), installTarballs(project, tarballs, env)]);
  });
  after(async () => {
    await Promise.all(processes.map((cli) => cli.kill('SIGKILL')));
    rmSync(scratch, { recursive: true, force: true });
  });

  it('links the command globally, and it prints its version', async () => {
    const { stdout } = await run(path.join(globalPrefix, 'bin', 'saas-fulfillment'), ['--version'], { encoding: 'utf8' });
    assert.equal(stdout.trim(), version);
  });

  it('dev: a purchase through `trigger` is activated by the installed publisher', async () => {
    const dataDir = mkdtempSync(path.join(scratch, 'dev-'));
    const dev = start(['dev', '--port', '0', '--marketplace-port', '0', '--data-dir', dataDir]);
    const [, marketplaceUrl] = await dev.waitFor(/Marketplace emulator\s+(http:\/\/\S+)/);
    const [, publisherUrl] = await dev.waitFor(/Publisher service\s+(http:\/\/\S+)/);
    const { stdout } = await run(process.execPath, [command, 'trigger', 'purchase', '--plan', 'instant', '--json', '--marketplace-url', marketplaceUrl!], {
      encoding: 'utf8',
    });
    const { subscriptionId } = JSON.parse(stdout) as { subscriptionId: string };
    const { appApiKey } = JSON.parse(readFileSync(path.join(dataDir, 'dev-secrets.json'), 'utf8')) as { appApiKey: string };
    const entitlement = await until(
      async () => {
        const response = await fetch(`${publisherUrl}/api/entitlements/${subscriptionId}`, { headers: { authorization: `Bearer ${appApiKey}` } });
        const body = response.ok ? ((await response.json()) as { status: string }) : undefined;
        return body?.status === 'Subscribed' ? body : undefined;
      },
      'the installed publisher to activate the purchase',
      20_000,
    );
    assert.equal(entitlement.status, 'Subscribed');
    assert.equal(await dev.kill('SIGTERM'), 0);
  });

  it('marketplace and publisher start on their own, are ready, and stop on SIGTERM within 10 s', async () => {
    const marketplace = start(['marketplace', '--port', '0', '--in-memory']);
    const [, marketplaceUrl] = await marketplace.waitFor(/Marketplace emulator\s+(http:\/\/\S+)/);
    const publisher = start(['publisher', '--port', '0', '--marketplace-url', marketplaceUrl!, '--data-dir', mkdtempSync(path.join(scratch, 'pub-'))], {
      ADMIN_PASSWORD: 'installed-test-password',
      APP_API_KEY: 'installed-test-app-key',
    });
    const [, publisherUrl] = await publisher.waitFor(/Publisher service\s+(http:\/\/\S+)/);
    for (const url of [marketplaceUrl, publisherUrl]) assert.equal(((await (await fetch(`${url}/readyz`)).json()) as { status: string }).status, 'ready');
    for (const cli of [publisher, marketplace]) {
      const started = performance.now();
      assert.equal(await cli.kill('SIGTERM'), 0);
      assert.ok(performance.now() - started < 10_000);
    }
  });

  it('@saas-fulfillment/app installs alone, with no server package, and loads', async () => {
    const alone = path.join(scratch, 'product');
    await installTarballs(
      alone,
      tarballs.filter((file) => /saas-fulfillment-(app|contract)-/.test(path.basename(file))),
      env,
    );
    const installed = JSON.parse((await run('npm', ['ls', '--all', '--json'], { cwd: alone, encoding: 'utf8' })).stdout) as object;
    const names = new Set<string>();
    const walk = (tree: { dependencies?: Record<string, object> }) => {
      for (const [name, child] of Object.entries(tree.dependencies ?? {})) {
        names.add(name);
        walk(child);
      }
    };
    walk(installed);
    assert.ok(names.has('@saas-fulfillment/app'));
    assert.deepEqual(
      SERVER_PACKAGES.filter((name) => names.has(name)),
      [],
    );
    const { stdout } = await run(
      process.execPath,
      ['--input-type=module', '-e', "const sdk = await import('@saas-fulfillment/app'); console.log(typeof sdk.connect)"],
      {
        cwd: alone,
        encoding: 'utf8',
      },
    );
    assert.equal(stdout.trim(), 'function');
  });

  for (const folder of LIBRARIES) {
    it(`packages/${folder}: the README example runs in a project that installed the tarballs`, async () => {
      const example = readmeExample(folder);
      assert.ok(example?.prints);
      writeFileSync(path.join(project, `${folder}-example.mjs`), example.code);
      const { stdout } = await run(process.execPath, [`${folder}-example.mjs`], { cwd: project, timeout: 60_000, env: { ...process.env, DATABASE_URL: '' } });
      assert.equal(stdout, example.prints);
    });
  }
});
