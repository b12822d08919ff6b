// Installing the packages as a user does, outside the repository: by name from a registry (registry.ts
// publishes the tarballs `npm pack` makes to one on loopback), or from the tarballs themselves.
// better-sqlite3 is not compiled again for each install: its installer (prebuild-install) takes a local
// prebuild when one is named, and the one made here holds the binary this checkout already built.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { repositoryRoot } from './paths.js';

const run = promisify(execFile);
export const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const QUIET = { encoding: 'utf8' as const, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 };

/** Every public package packed into `folder`; the tarballs' paths. */
export async function packAll(folder: string): Promise<string[]> {
  await run(NPM, ['pack', '--workspaces', '--pack-destination', folder], { ...QUIET, cwd: repositoryRoot });
  return readdirSync(folder)
    .filter((file) => file.endsWith('.tgz'))
    .map((file) => path.join(folder, file));
}

/** The environment that points better-sqlite3's installer at a prebuild, made under `scratch`, of the binary already built here. */
export async function localPrebuildEnv(scratch: string): Promise<Record<string, string>> {
  const require = createRequire(path.join(repositoryRoot, 'package.json'));
  const moduleDir = path.dirname(require.resolve('better-sqlite3/package.json'));
  const { version } = require('better-sqlite3/package.json') as { version: string };
  const folder = mkdtempSync(path.join(scratch, 'prebuilds-'));
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  await run('tar', ['-czf', path.join(folder, name), 'build/Release/better_sqlite3.node'], { ...QUIET, cwd: moduleDir });
  return { npm_config_better_sqlite3_local_prebuilds: folder };
}

/**
 * `npm install` of `specs` (package names, or tarballs) into `folder` (a new `npm init -y` project), or
 * globally under it with `global`.
 */
export async function installPackages(folder: string, specs: string[], env: Record<string, string>, global = false): Promise<void> {
  mkdirSync(folder, { recursive: true });
  const options = { ...QUIET, cwd: folder, env: { ...process.env, ...env } };
  // npm 11 runs no dependency's install script unless told, and better-sqlite3 needs its own: a project says
  // so in its package.json, a global install on the command line (as the README says).
  if (!global) {
    await run(NPM, ['init', '-y'], options);
    const manifest = path.join(folder, 'package.json');
    writeFileSync(manifest, JSON.stringify({ ...JSON.parse(readFileSync(manifest, 'utf8')), allowScripts: { 'better-sqlite3': true } }));
  }
  const where = global ? ['--global', '--prefix', folder, '--allow-scripts=better-sqlite3'] : [];
  await run(NPM, ['install', ...where, '--prefer-offline', '--no-audit', '--no-fund', ...specs], options);
}
