// Runs the tests with Node's test runner (TypeScript through tsx, the packages read from their sources).
//
//   node scripts/run-tests.mjs [--unit] [--slowest N] [filter...]
//
// Files that start processes (`*.process.test.ts`: the built command, npm, nginx) or a browser
// (`*.browser.test.ts`) need the packages built, so the build runs first, and each runs in a process of
// its own. The others run in-process only, so they are shared out over a few processes (SHARDS), each
// importing its files one after the other: loading tsx and both apps costs more than most of those files'
// tests, and this way it is paid a few times instead of once per file. `--unit` runs those files only,
// with no build: what `npm run test:unit` does (its property tests at 1,000 runs instead of 10,000, unless
// PROPERTY_RUNS says). A filter keeps the files whose path contains it.
// `--slowest N` prints the N slowest files at the end. Each file's time is kept for the next run, which
// shares the in-process files out by it (the slowest first), so the shards end together.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const SHARDS = Number(process.env.TEST_SHARDS ?? 4);

function findTests(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return findTests(full);
    return entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

/**
 * Shares files out over `count` entry files, the longest first to the lightest shard. A file's length is
 * its time in the last run that ran it (kept in TIMINGS, as Jest keeps its own), else its size read as
 * time at the rate of the files whose time is known: a fresh clone shares by size alone.
 */
function shardEntries(files, count, dir) {
  const shards = Array.from({ length: Math.min(count, files.length) }, () => ({ weight: 0, files: [] }));
  const timings = readTimings();
  const sized = files.map((file) => ({ file, size: statSync(file).size, ms: timings[file] }));
  const timed = sized.filter((f) => f.ms !== undefined);
  const msPerByte = timed.length ? timed.reduce((sum, f) => sum + f.ms, 0) / timed.reduce((sum, f) => sum + f.size, 0) : 1;
  const byLength = sized.map((f) => ({ file: f.file, length: f.ms ?? f.size * msPerByte })).sort((a, b) => b.length - a.length);
  for (const { file, length } of byLength) {
    const lightest = shards.reduce((a, b) => (b.weight < a.weight ? b : a));
    lightest.weight += length;
    lightest.files.push(file);
  }
  return shards.map((shard, i) => {
    const entry = path.join(dir, `shard-${i + 1}.test.mjs`);
    writeFileSync(entry, shard.files.map((file) => `await import(${JSON.stringify(pathToFileURL(path.resolve(file)).href)});\n`).join(''));
    return entry;
  });
}

/** Each file's time in its last run, by its path under test/ (kept where npm keeps caches, never committed). */
const TIMINGS = path.resolve('node_modules/.cache/saas-fulfillment/test-timings.json');
function readTimings() {
  try {
    return JSON.parse(readFileSync(TIMINGS, 'utf8'));
  } catch {
    return {};
  }
}

const args = process.argv.slice(2);
const unit = args.includes('--unit');
const slowestAt = args.indexOf('--slowest');
const slowest = slowestAt >= 0 ? Number(args[slowestAt + 1]) : 0;
const filters = args.filter((arg, i) => !arg.startsWith('--') && !(slowestAt >= 0 && i === slowestAt + 1));
const needsBuild = (file) => file.endsWith('.process.test.ts') || file.endsWith('.browser.test.ts');

// Container tests need an image built first: `npm run test:containers` runs them.
const files = findTests('test')
  .filter((file) => !file.endsWith('.container.test.ts'))
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .filter((file) => !unit || !needsBuild(file))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
if (files.some(needsBuild)) {
  const build = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const shardDir = mkdtempSync(path.join(tmpdir(), 'saas-test-shards-'));
const entries = [
  ...shardEntries(
    files.filter((file) => !needsBuild(file)),
    SHARDS,
    shardDir,
  ),
  ...files.filter(needsBuild),
];
const reporters = [
  '--test-reporter=spec',
  '--test-reporter-destination=stdout',
  '--test-reporter=./scripts/slowest-files.mjs',
  '--test-reporter-destination=stderr',
];
const concurrency = process.env.TEST_CONCURRENCY ?? SHARDS;
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--conditions=source', '--test', `--test-concurrency=${concurrency}`, ...reporters, ...entries],
  {
    stdio: 'inherit',
    // The quick loop (--unit) runs the property tests at a tenth of their runs unless PROPERTY_RUNS says.
    env: { ...process.env, SLOWEST_FILES: String(slowest), TEST_TIMINGS: TIMINGS, ...(unit && !process.env.PROPERTY_RUNS ? { PROPERTY_RUNS: '1000' } : {}) },
  },
);
rmSync(shardDir, { recursive: true, force: true });
process.exit(result.status ?? 1);
