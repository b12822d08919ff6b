// Packs the named workspaces (default: every public package) into packed/, making the folder first.
//
//   node scripts/pack.mjs [package name...]
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

const names = process.argv.slice(2);
mkdirSync('packed', { recursive: true });
const workspaces = names.length > 0 ? names.flatMap((name) => ['--workspace', name]) : ['--workspaces'];
const result = spawnSync('npm', ['pack', ...workspaces, '--pack-destination', 'packed'], { stdio: 'inherit' });
process.exit(result.status ?? 1);
