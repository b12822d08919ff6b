// The emulator's state through the command line, as a user keeps and shares it: --seed to start from,
// 'state export|import|seed' on a running emulator, --export-on-exit on SIGTERM, --import to start
// from what it wrote; wrong files exit 2 naming the flag, the file and the field.
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { MarketplaceState } from '@saas-fulfillment/marketplace';
import { repositoryRoot } from '../helpers/paths.js';
import { runCli, runCliAsync, startCli, type CliProcess } from '../helpers/cli.js';

const folder = mkdtempSync(path.join(tmpdir(), 'state-cli-'));
const SEED = path.join(repositoryRoot, 'examples/test-suites/seed.yaml');
const running: CliProcess[] = [];
after(async () => {
  await Promise.all(running.map((cli) => cli.kill()));
});

async function emulator(...flags: string[]): Promise<{ cli: CliProcess; url: string }> {
  const cli = startCli(['marketplace', '--in-memory', '--port', '0', ...flags]);
  running.push(cli);
  const [, url] = await cli.waitFor(/Marketplace emulator\s+(http:\/\/\S+)/);
  return { cli, url: url! };
}

const readState = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as MarketplaceState;
const ids = (state: MarketplaceState) => state.subscriptions.map((s) => s.id).sort();

describe('state from the command line', () => {
  it('starts from a seed, exports, imports, loads another seed, and writes its state when stopped', async () => {
    const exitFile = path.join(folder, 'on-exit.json');
    const { cli, url } = await emulator('--seed', SEED, '--export-on-exit', exitFile);
    const control = (...args: string[]) => runCliAsync([...args, '--marketplace-url', url]);

    const exported = path.join(folder, 'exported.json');
    const wrote = await control('state', 'export', exported);
    assert.equal(wrote.status, 0, wrote.stderr);
    assert.match(wrote.stdout, /Wrote 4 subscription\(s\), 1 operation\(s\)/);
    const seeded = readState(exported);
    assert.equal(seeded.subscriptions.length, 4);
    assert.equal(seeded.catalog?.publishers[0]?.publisherId, 'contoso', 'the catalog comes with the state');

    const other = path.join(folder, 'other-seed.yaml');
    writeFileSync(other, '# one subscription\nsubscriptions:\n  - { offerId: contoso-saas, planId: basic, status: Subscribed }\n');
    const loaded = await control('state', 'seed', other);
    assert.equal(loaded.status, 0, loaded.stderr);
    assert.match(loaded.stdout, /Loaded the seed: 1 subscription/);

    const imported = await control('state', 'import', exported, '--json');
    assert.equal(imported.status, 0, imported.stderr);
    assert.equal(JSON.parse(imported.stdout).subscriptions, 4);

    assert.equal(await cli.kill('SIGTERM'), 0);
    assert.ok(existsSync(exitFile), '--export-on-exit wrote the state');
    assert.deepEqual(ids(readState(exitFile)), ids(seeded));

    // --import starts a new emulator from that file, with the catalog it holds.
    const restarted = await emulator('--import', exitFile);
    const again = await runCliAsync(['state', 'export', '--marketplace-url', restarted.url]);
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(ids(JSON.parse(again.stdout) as MarketplaceState), ids(seeded));
  });

  it('exits 2 naming the flag, the file and what is wrong', () => {
    const broken = path.join(folder, 'broken.yaml');
    writeFileSync(broken, 'subscriptions:\n  - offerId: contoso-saas\n   planId: pro\n');
    const wrongPlan = path.join(folder, 'wrong-plan.yaml');
    writeFileSync(wrongPlan, 'subscriptions:\n  - { offerId: contoso-saas, planId: platinum }\n');
    const cases: [string[], RegExp][] = [
      [['--seed', path.join(folder, 'missing.yaml')], /--seed: cannot read .*missing\.yaml: ENOENT/],
      [['--seed', broken], /--seed: .*broken\.yaml is neither YAML nor JSON/],
      [['--seed', wrongPlan], /--seed .*wrong-plan\.yaml: subscriptions\[0\]\.planId: Plan 'platinum' is not a plan of offer contoso-saas/],
      [['--seed', SEED, '--import', SEED], /--seed and --import exclude each other/],
      [['--import', SEED], /--import .*seed\.yaml: format: must be 'saas-fulfillment\/marketplace-state'.*a seed goes to --seed/],
    ];
    for (const [flags, message] of cases) {
      const result = runCli(['marketplace', '--in-memory', '--port', '0', ...flags]);
      assert.equal(result.status, 2, `${flags.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
  });

  it('writes an export through no link planted beside the file, and leaves no partial file (N15)', async () => {
    const dir = mkdtempSync(path.join(folder, 'links-'));
    const victim = path.join(dir, 'victim.txt');
    writeFileSync(victim, 'must stay as it is\n');
    const exported = path.join(dir, 'state.json');
    const onExit = path.join(dir, 'on-exit.json');
    for (const file of [exported, onExit]) symlinkSync(victim, `${file}.partial`);
    const { cli, url } = await emulator('--seed', SEED, '--export-on-exit', onExit);
    const wrote = await runCliAsync(['state', 'export', exported, '--marketplace-url', url]);
    assert.equal(wrote.status, 0, wrote.stderr);
    assert.equal(await cli.kill('SIGTERM'), 0);
    assert.equal(readFileSync(victim, 'utf8'), 'must stay as it is\n', 'nothing was written through the link');
    for (const file of [exported, onExit]) {
      assert.equal(readState(file).subscriptions.length, 4, file);
      assert.ok(!lstatSync(file).isSymbolicLink());
      assert.equal(statSync(file).mode & 0o077, 0, 'the state (a development catalog with its secrets) is for its owner only');
    }
    assert.deepEqual(
      readdirSync(dir).filter((name) => name.endsWith('.partial') && !lstatSync(path.join(dir, name)).isSymbolicLink()),
      [],
      'no partial file is left',
    );
  });
});
