// What a release would publish, checked without publishing: each public package is linted as npm would
// pack it (publint, strict), its types are resolved as Node and bundlers would (attw: ESM-only packages,
// so CommonJS `require` and the node10 resolution are not promised), and `npm publish --dry-run` runs.
//
//   node scripts/check-packages.mjs
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const failures = [];
const step = (what, command, args) => {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status === 0) return;
  failures.push(what);
  process.stderr.write(`\n✖ ${what}\n${result.stdout}${result.stderr}\n`);
};

for (const folder of readdirSync('packages')) {
  const dir = path.join('packages', folder);
  const { name, private: unpublished } = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  if (unpublished) continue;
  step(`${name}: publint`, 'npx', ['--no-install', 'publint', '--strict', dir]);
  step(`${name}: attw`, 'npx', ['--no-install', 'attw', '--pack', dir, '--profile', 'esm-only', '--format', 'ascii']);
  step(`${name}: npm publish --dry-run`, 'npm', ['publish', '--dry-run', '--workspace', name]);
  process.stdout.write(`${failures.some((failure) => failure.startsWith(`${name}:`)) ? '✖' : '✔'} ${name}\n`);
}
if (failures.length > 0) {
  process.stderr.write(`\n${failures.length} check(s) failed: ${failures.join('; ')}\n`);
  process.exit(1);
}
