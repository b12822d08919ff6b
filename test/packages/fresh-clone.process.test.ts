// A newcomer's first minutes: the repository copied as a clone gets it (the files git tracks, and new ones
// it does not ignore, so uncommitted work is tried too), one `npm install`, and the README's commands work
// at once: `npx saas-fulfillment --version`, and `npm run pack:client` into a packed/ folder it makes.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { localPrebuildEnv, NPM } from '../helpers/install.js';
import { repositoryRoot } from '../helpers/paths.js';

const run = promisify(execFile);
const QUIET = { encoding: 'utf8' as const, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 };
const { version } = JSON.parse(readFileSync(path.join(repositoryRoot, 'packages/cli/package.json'), 'utf8')) as { version: string };

/** The files a clone of this checkout would hold, with the changes not yet committed. */
async function copyAsClone(target: string): Promise<void> {
  const { stdout } = await run('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { ...QUIET, cwd: repositoryRoot });
  for (const file of stdout.split('\0').filter(Boolean)) {
    const from = path.join(repositoryRoot, file);
    if (!existsSync(from)) continue; // deleted, not yet committed
    mkdirSync(path.dirname(path.join(target, file)), { recursive: true });
    cpSync(from, path.join(target, file), { preserveTimestamps: true });
  }
}

describe('a fresh clone', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'fresh-clone-'));
  const clone = path.join(scratch, 'clone');
  let env: NodeJS.ProcessEnv;
  before(async () => {
    await copyAsClone(clone);
    env = { ...process.env, ...(await localPrebuildEnv(scratch)) };
    await run(NPM, ['install', '--prefer-offline', '--no-audit', '--no-fund'], { ...QUIET, cwd: clone, env });
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('runs `npx saas-fulfillment` after one `npm install`', async () => {
    const { stdout } = await run('npx', ['--no-install', 'saas-fulfillment', '--version'], { ...QUIET, cwd: clone, env });
    assert.equal(stdout.trim(), version);
  });

  it('packs the client with `npm run pack:client`, making the packed/ folder', async () => {
    await run(NPM, ['run', 'pack:client'], { ...QUIET, cwd: clone, env });
    assert.deepEqual(readdirSync(path.join(clone, 'packed')).sort(), [`saas-fulfillment-client-${version}.tgz`, `saas-fulfillment-contract-${version}.tgz`]);
  });
});
