// How the command starts: the servers from the bundle with a code cache kept per user, the other commands
// from their own modules; a cache that is broken, another user's or turned off never stops a command.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, startCli } from '../helpers/cli.js';
import { repositoryRoot } from '../helpers/paths.js';

const BUNDLE = path.join(repositoryRoot, 'packages/cli/dist/saas-fulfillment.cjs');

describe('starting the command', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'saas-launch-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A fresh cache folder, and the command run with it. */
  const withCache = (name: string) => {
    const folder = path.join(dir, name);
    return { folder, run: (args: string[]) => runCli(args, { SAAS_FULFILLMENT_COMPILE_CACHE: folder }), caches: () => cachesIn(folder) };
  };

  it('the bundle is ASCII, names the hash of its code on its first line, and imports nothing itself', () => {
    const text = readFileSync(BUNDLE, 'latin1');
    const [first, ...rest] = text.split('\n');
    assert.equal(first, `// saas-fulfillment bundle ${createHash('sha256').update(rest.join('\n')).digest('hex')}`);
    assert.ok(!/[^\0-\x7f]/.test(text), 'the bundle is read as latin1, so it must be ASCII');
    assert.ok(text.includes('__importModule('), 'the bundle imports through the loader');
  });

  it('a server command writes the cache once, and the next start reads it without writing again', () => {
    const cache = withCache('reused');
    assert.equal(cache.run(['marketplace', '--help']).status, 0);
    const [written] = cache.caches();
    assert.ok(written, 'a cache is written');
    assert.equal(statSync(cache.folder).mode & 0o777, 0o700);
    assert.equal(statSync(written).mode & 0o777, 0o600);
    const before = statSync(written).mtimeMs;
    assert.equal(cache.run(['marketplace', '--help']).status, 0);
    assert.deepEqual(cache.caches(), [written]);
    assert.equal(statSync(written).mtimeMs, before, 'an accepted cache is not written again');
  });

  it('the small commands load their own modules and leave no cache', () => {
    const cache = withCache('small');
    const version = cache.run(['--version']);
    assert.equal(version.status, 0);
    assert.match(version.stdout, /^\d+\.\d+\.\d+/);
    assert.equal(cache.run(['clock', '--help']).status, 0);
    assert.deepEqual(cache.caches(), []);
  });

  it('in a checkout, a bundle older than the last compile (tsc -b alone) gives way to the modules', () => {
    const cache = withCache('stale');
    const compiled = statSync(path.join(repositoryRoot, 'packages/marketplace/dist/.tsbuildinfo')).mtime;
    const { atime, mtime } = statSync(BUNDLE);
    utimesSync(BUNDLE, atime, new Date(compiled.getTime() - 60_000));
    try {
      const run = cache.run(['marketplace', '--help']);
      assert.equal(run.status, 0);
      assert.match(run.stdout, /Usage: saas-fulfillment marketplace/);
      assert.deepEqual(cache.caches(), [], 'the stale bundle was not run');
    } finally {
      utimesSync(BUNDLE, atime, mtime);
    }
    assert.equal(cache.run(['marketplace', '--help']).status, 0);
    assert.equal(cache.caches().length, 1, 'the current bundle runs again');
  });

  it('a broken cache is refused by V8 and written anew; the command runs regardless', () => {
    const cache = withCache('broken');
    cache.run(['marketplace', '--help']);
    const [written] = cache.caches();
    assert.ok(written);
    writeFileSync(written, Buffer.alloc(4096, 7));
    const run = cache.run(['marketplace', '--help']);
    assert.equal(run.status, 0);
    assert.match(run.stdout, /Usage: saas-fulfillment marketplace/);
    assert.notDeepEqual(readFileSync(written), Buffer.alloc(4096, 7), 'the broken cache was replaced');
  });

  it('never runs a cache compiled from other code of the same length, placed under its name (N3)', () => {
    const cache = withCache('planted');
    mkdirSync(cache.folder, { mode: 0o700 });
    const target = plantCache(cache.folder, 'raw');
    const run = cache.run(['marketplace', '--help']);
    assert.doesNotMatch(run.stdout, /planted code ran/);
    assert.match(run.stdout, /Usage: saas-fulfillment marketplace/);
    assert.notDeepEqual(readFileSync(target).subarray(0, 8), readFileSync(target + '.planted').subarray(0, 8), 'the planted cache was replaced');
  });

  it("never runs another user's cache, even one written for this bundle, nor one others may write (N3)", {
    skip: process.getuid?.() !== 0 ? 'needs root to give a file to another user' : false,
  }, () => {
    for (const form of ['raw', 'with-header'] as const) {
      const cache = withCache(`other-user-${form}`);
      mkdirSync(cache.folder, { mode: 0o755 });
      chmodSync(cache.folder, 0o755);
      const target = plantCache(cache.folder, form);
      chownSync(target, 65534, 65534);
      chmodSync(target, 0o666);
      const run = cache.run(['marketplace', '--help']);
      assert.doesNotMatch(run.stdout, /planted code ran/, form);
      assert.match(run.stdout, /Usage: saas-fulfillment marketplace/);
    }
    // Ours, but readable and writable by others: not used either.
    const mine = withCache('mine-but-open');
    mkdirSync(mine.folder, { mode: 0o700 });
    chmodSync(plantCache(mine.folder, 'with-header'), 0o666);
    assert.doesNotMatch(mine.run(['marketplace', '--help']).stdout, /planted code ran/);
  });

  it('a cache folder others can write into is not used, nor one turned off', () => {
    const shared = withCache('shared');
    mkdirSync(shared.folder);
    chmodSync(shared.folder, 0o777);
    assert.equal(shared.run(['marketplace', '--help']).status, 0);
    assert.deepEqual(shared.caches(), []);

    const off = runCli(['marketplace', '--help'], { SAAS_FULFILLMENT_COMPILE_CACHE: 'off', HOME: dir, XDG_CACHE_HOME: path.join(dir, 'xdg') });
    assert.equal(off.status, 0);
    assert.ok(!existsSync(path.join(dir, 'xdg')), 'nothing is made when the cache is off');
  });

  it('a home where no cache folder can be made costs the cache, not the command', () => {
    const notAFolder = path.join(dir, 'home-is-a-file');
    writeFileSync(notAFolder, '');
    const run = runCli(['marketplace', '--help'], { HOME: notAFolder, XDG_CACHE_HOME: '' });
    assert.equal(run.status, 0);
    assert.match(run.stdout, /Usage: saas-fulfillment marketplace/);
    assert.equal(run.stderr, '');
  });

  it("without a setting the cache is the user's (XDG_CACHE_HOME), and bad flags still exit 2", () => {
    const xdg = path.join(dir, 'home-cache');
    const bad = runCli(['marketplace', '--colour', 'blue'], { XDG_CACHE_HOME: xdg });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown option --colour/);
    assert.equal(cachesIn(path.join(xdg, 'saas-fulfillment')).length, 1);
  });

  it("code read back from the cache still imports ES modules: a publisher's hooks module loads", async () => {
    const cache = withCache('imports');
    const hooks = path.join(dir, 'hooks.mjs');
    writeFileSync(hooks, "export async function provision() {}\nconsole.log('hooks module loaded');\n");
    const env = { SAAS_FULFILLMENT_COMPILE_CACHE: cache.folder, ADMIN_PASSWORD: 'launch-test-password', APP_API_KEY: 'launch-test-app-key-0123456789' };
    // The first start writes the cache (at exit); the second runs from it.
    for (const attempt of ['writes the cache', 'reads it']) {
      const cli = startCli(
        ['publisher', '--port', '0', '--data-dir', path.join(dir, attempt), '--marketplace-url', 'http://127.0.0.1:9', '--hooks', hooks],
        env,
      );
      try {
        await cli.waitFor(/Publisher service\s+http/);
        assert.match(cli.output(), /hooks module loaded/, attempt);
        assert.doesNotMatch(cli.output(), /ExperimentalWarning|dynamic import callback/, attempt);
      } finally {
        await cli.kill();
      }
      assert.equal(cache.caches().length, 1, attempt);
    }
  });
});

function cachesIn(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((name) => name.endsWith('.v8cache'))
    .map((name) => path.join(folder, name));
}

/**
 * A V8 code cache of other code exactly as long as the bundle's wrapped source, written where the bundle's
 * cache goes (`raw`: as V8 makes it; `with-header`: in the cache file's own format, claiming this bundle):
 * V8 checks of a source only its length, so a loader that trusted the file would run the other code.
 * The planted bytes are also kept beside it (`.planted`).
 */
function plantCache(folder: string, form: 'raw' | 'with-header'): string {
  const text = readFileSync(BUNDLE, 'latin1');
  const hash = /^\/\/ saas-fulfillment bundle ([0-9a-f]{64})\n/.exec(text)![1]!;
  const head = '(function (exports, require, module, __filename, __dirname, __importModule) {';
  const length = `${head}${text}\n})`.length;
  const body = 'if (process.env.PLANTING) return; process.stdout.write("planted code ran\\n"); process.exit(0);';
  const other = `${head}${body}${' '.repeat(length - head.length - body.length - 3)}\n})`;
  const target = path.join(folder, `${hash.slice(0, 24)}-${process.version}-${process.arch}.v8cache`);
  const script = `
const vm = require('node:vm'), fs = require('node:fs'), crypto = require('node:crypto');
const source = fs.readFileSync(process.argv[1], 'latin1');
const compiled = new vm.Script(source, { filename: ${JSON.stringify(BUNDLE)} });
compiled.runInThisContext()();
const data = compiled.createCachedData();
const sha = (b) => crypto.createHash('sha256').update(b).digest();
const file = process.argv[2] === 'raw' ? data : Buffer.concat([Buffer.from('sfcache2'), Buffer.from(${JSON.stringify(hash)}, 'hex'), sha(data), data]);
fs.writeFileSync(process.argv[3], file, { mode: 0o600 });
fs.writeFileSync(process.argv[3] + '.planted', file);`;
  const sourceFile = path.join(folder, 'other-code.js');
  writeFileSync(sourceFile, other, 'latin1');
  const made = spawnSync(process.execPath, ['-e', script, sourceFile, form, target], {
    env: { ...process.env, PLANTING: '1', NODE_OPTIONS: '' },
    encoding: 'utf8',
  });
  assert.equal(made.status, 0, made.stderr);
  rmSync(sourceFile);
  return target;
}
