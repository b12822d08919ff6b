// The packages as a vendor gets them: every public package packed, published to a registry on loopback
// (Verdaccio) and installed by name outside the repository, each into an empty folder of its own, so a
// package that leans on a sibling it does not declare fails here as it would for a user of npmjs.com.
// The command, installed globally, starts `dev`, `marketplace` and `publisher`, answers `trigger`, and
// stops on SIGTERM; each library's README example runs in a folder that installed only what it imports;
// the example product, copied out, installs from its own package.json and runs beside the installed
// command; a test suite on the marketplace fixture installs and passes.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { startCli, type CliProcess } from '../helpers/cli.js';
import { installPackages, localPrebuildEnv, NPM, packAll } from '../helpers/install.js';
import { repositoryRoot } from '../helpers/paths.js';
import { readmeExample } from '../helpers/readme.js';
import { startRegistry, type Registry } from '../helpers/registry.js';
import { until } from '../helpers/wait.js';

const run = promisify(execFile);
const LIBRARIES = ['contract', 'store', 'web', 'marketplace', 'publisher', 'cli', 'app'];
/** What a vendor's product must not pull in with the SDK. */
const SERVER_PACKAGES = ['fastify', 'better-sqlite3', 'pg', 'kysely', 'pino'];
const { version } = JSON.parse(readFileSync(path.join(repositoryRoot, 'packages/cli/package.json'), 'utf8')) as { version: string };

/** The packages of ours a piece of code imports, by name (`@saas-fulfillment/app`, `saas-fulfillment`). */
const packagesImported = (code: string) => [
  ...new Set([...code.matchAll(/from '((?:@saas-fulfillment\/[\w-]+)|saas-fulfillment)(?:\/[\w/-]+)?'/g)].map((match) => match[1] as string)),
];

describe('the packages installed by name from a registry', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'installed-'));
  const globalPrefix = path.join(scratch, 'global');
  const command = path.join(globalPrefix, 'lib/node_modules/saas-fulfillment/bin/saas-fulfillment.js');
  const processes: CliProcess[] = [];
  let registry: Registry;
  let env: Record<string, string> = {};
  const start = (args: string[], extra: Record<string, string> = {}) => {
    const cli = startCli(args, { TENANT_ID: '', CLIENT_ID: '', CLIENT_SECRET: '', DATABASE_URL: '', ...extra }, scratch, command);
    processes.push(cli);
    return cli;
  };
  /** A new folder that installed `names` by name, and nothing else. */
  const folderWith = async (name: string, names: string[]) => {
    const folder = path.join(scratch, name);
    await installPackages(folder, names, env);
    return folder;
  };

  before(async () => {
    const tarballs = await packAll(mkdtempSync(path.join(scratch, 'packed-')));
    assert.equal(tarballs.length, 8, tarballs.join(', '));
    registry = await startRegistry(scratch);
    for (const tarball of tarballs) await registry.publish(tarball);
    env = { ...(await localPrebuildEnv(scratch)), ...registry.env };
    await installPackages(globalPrefix, ['saas-fulfillment'], env, true);
  });
  after(async () => {
    await Promise.all(processes.map((cli) => cli.kill('SIGKILL')));
    await registry?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('links the command globally, installed by name, and it prints its version', async () => {
    const { stdout } = await run(path.join(globalPrefix, 'bin', 'saas-fulfillment'), ['--version'], { encoding: 'utf8' });
    assert.equal(stdout.trim(), version);
  });

  it('dev: a purchase through `trigger` is activated by the installed publisher', async () => {
    const dataDir = mkdtempSync(path.join(scratch, 'dev-'));
    const dev = start(['dev', '--port', '0', '--marketplace-port', '0', '--data-dir', dataDir]);
    const [, marketplaceUrl] = await dev.waitFor(/Marketplace emulator\s+(http:\/\/\S+)/);
    const [, publisherUrl] = await dev.waitFor(/Publisher service\s+(http:\/\/\S+)/);
    const { stdout } = await run(
      process.execPath,
      [command, 'trigger', 'purchase', '--plan', 'pro', '--activate', '--json', '--marketplace-url', marketplaceUrl!],
      {
        encoding: 'utf8',
      },
    );
    const { subscriptionId, status } = JSON.parse(stdout) as { subscriptionId: string; status: string };
    assert.equal(status, 'activated');
    const { appApiKey } = JSON.parse(readFileSync(path.join(dataDir, 'dev-secrets.json'), 'utf8')) as { appApiKey: string };
    const response = await fetch(`${publisherUrl}/api/entitlements/${subscriptionId}`, { headers: { authorization: `Bearer ${appApiKey}` } });
    assert.equal(((await response.json()) as { status: string }).status, 'Subscribed', 'the installed publisher activated it');
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

  it('@saas-fulfillment/app installs by name with no server package, and loads', async () => {
    const alone = await folderWith('sdk-alone', ['@saas-fulfillment/app']);
    const installed = JSON.parse((await run(NPM, ['ls', '--all', '--json'], { cwd: alone, encoding: 'utf8' })).stdout) as object;
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
    const script = "const sdk = await import('@saas-fulfillment/app'); console.log(typeof sdk.connect)";
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: alone, encoding: 'utf8' });
    assert.equal(stdout.trim(), 'function');
  });

  for (const folder of LIBRARIES) {
    it(`packages/${folder}: the README example runs in a folder that installed, by name, only what it imports`, async () => {
      const example = readmeExample(folder);
      assert.ok(example?.prints);
      const project = await folderWith(`example-${folder}`, packagesImported(example.code));
      writeFileSync(path.join(project, 'example.mjs'), example.code);
      const { stdout } = await run(process.execPath, ['example.mjs'], { cwd: project, timeout: 60_000, env: { ...process.env, DATABASE_URL: '' } });
      assert.equal(stdout, example.prints);
    });
  }

  it('a test suite on the marketplace fixture installs it by name and passes', async () => {
    const suite = path.join(scratch, 'suite');
    mkdirSync(suite);
    cpSync(path.join(repositoryRoot, 'examples/test-suites/node-test'), path.join(suite, 'node-test'), { recursive: true });
    cpSync(path.join(repositoryRoot, 'examples/test-suites/seed.yaml'), path.join(suite, 'seed.yaml'));
    await installPackages(suite, ['@saas-fulfillment/marketplace'], env);
    const { NODE_TEST_CONTEXT: _, ...inherited } = process.env;
    const { stdout } = await run(process.execPath, ['--test', 'subscriptions.test.mjs'], {
      cwd: path.join(suite, 'node-test'),
      env: inherited,
      timeout: 120_000,
    });
    assert.match(stdout, /# pass 4\b/);
    assert.match(stdout, /# fail 0\b/);
  });

  it('the example product, copied out, installs from its package.json and runs beside the installed command', async () => {
    const product = path.join(scratch, 'contoso-cloud');
    cpSync(path.join(repositoryRoot, 'examples/product'), product, { recursive: true, filter: (file) => !file.endsWith('tsconfig.json') });
    await run(NPM, ['install', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: product, env: { ...process.env, ...env }, timeout: 300_000 });
    const dataDir = mkdtempSync(path.join(scratch, 'product-dev-'));
    const dev = start([
      'dev',
      '--product',
      path.join(product, 'product.js'),
      '--port',
      '0',
      '--marketplace-port',
      '0',
      '--product-port',
      '0',
      '--data-dir',
      dataDir,
    ]);
    const [, marketplaceUrl] = await dev.waitFor(/Marketplace emulator\s+(http:\/\/\S+)/);
    const [, productUrl] = await dev.waitFor(/Product\s+(http:\/\/\S+?)\/\s/);
    const { stdout } = await run(
      process.execPath,
      [command, 'trigger', 'purchase', '--plan', 'pro', '--activate', '--json', '--marketplace-url', marketplaceUrl!],
      {
        encoding: 'utf8',
      },
    );
    const { subscriptionId } = JSON.parse(stdout) as { subscriptionId: string };
    assert.equal((await fetch(`${productUrl}/`)).status, 200);
    const workspace = await until(async () => {
      const answer = await fetch(`${productUrl}/s/${subscriptionId}`, { redirect: 'manual' });
      return answer.status === 302 ? answer : undefined;
    }, 'the product to send the buyer to sign in');
    assert.match(workspace.headers.get('location') ?? '', new RegExp(`^${marketplaceUrl}/[0-9a-f-]{36}/oauth2/v2.0/authorize\\?`));
    assert.equal(await dev.kill('SIGTERM'), 0);
  });
});
