// The one-line fixture in the three test runners users reach for: each example suite (the same four
// tests on the same seed) runs in its runner as a user would run it, against the built package.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repositoryRoot } from '../helpers/paths.js';

const SUITES = path.join(repositoryRoot, 'examples/test-suites');
const bin = (name: string) => path.join(repositoryRoot, 'node_modules/.bin', name);

function run(folder: string, command: string, args: string[], env: Record<string, string> = {}) {
  // Without this runner's own marker, a node:test child runs as a suite of its own rather than a subtest.
  const { NODE_TEST_CONTEXT: _, ...inherited } = process.env;
  const result = spawnSync(command, args, {
    cwd: path.join(SUITES, folder),
    env: { ...inherited, NO_COLOR: '1', FORCE_COLOR: '0', ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

describe('the startMarketplace fixture in each test runner', () => {
  it('node:test: four tests pass', () => {
    const { status, output } = run('node-test', process.execPath, ['--test', 'subscriptions.test.mjs']);
    assert.equal(status, 0, output);
    assert.match(output, /# pass 4\b/);
    assert.match(output, /# fail 0\b/);
  });

  it('Vitest: four tests pass', () => {
    const { status, output } = run('vitest', bin('vitest'), ['run']);
    assert.equal(status, 0, output);
    assert.match(output, /Tests\s+4 passed \(4\)/);
  });

  it('Jest (ES modules): four tests pass', () => {
    const { status, output } = run('jest', bin('jest'), ['--ci'], { NODE_OPTIONS: '--experimental-vm-modules' });
    assert.equal(status, 0, output);
    assert.match(output, /Tests:\s+4 passed, 4 total/);
  });
});
