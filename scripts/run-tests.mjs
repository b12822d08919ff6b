// Runs the tests with Node's test runner (TypeScript through tsx, the packages read from their sources).
//
//   node scripts/run-tests.mjs [--unit] [--slowest N] [filter...]
//
// Every test file under test/ runs, two at a time. Files that start processes (`*.process.test.ts`: the
// built command, npm, nginx) or a browser (`*.browser.test.ts`) need the packages built, so the build runs
// first; `--unit` runs the others only, with no build: what `npm run test:unit` does. A filter keeps the
// files whose path contains it. `--slowest N` prints the N slowest files at the end.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

function findTests(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return findTests(full);
    return entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

const args = process.argv.slice(2);
const unit = args.includes('--unit');
const slowestAt = args.indexOf('--slowest');
const slowest = slowestAt >= 0 ? Number(args[slowestAt + 1]) : 0;
const filters = args.filter((arg, i) => !arg.startsWith('--') && i !== slowestAt + 1);
const needsBuild = (file) => file.endsWith('.process.test.ts') || file.endsWith('.browser.test.ts');

const files = findTests('test')
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .filter((file) => !unit || !needsBuild(file))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
if (files.some(needsBuild)) {
  const build = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-b', 'tsconfig.build.json'], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const reporters = ['--test-reporter=spec', '--test-reporter-destination=stdout'];
if (slowest > 0) reporters.push('--test-reporter=./scripts/slowest-files.mjs', '--test-reporter-destination=stderr');
const result = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=source', '--test', `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`, ...reporters, ...files], {
  stdio: 'inherit',
  env: { ...process.env, SLOWEST_FILES: String(slowest) },
});
process.exit(result.status ?? 1);
