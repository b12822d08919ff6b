// A package registry on loopback (Verdaccio, from npm) that the tests publish every public package to, so
// that they install them by name as a vendor does from npmjs.com: each package's dependencies on its
// siblings are then looked up by name and version, as they will be, rather than handed over as tarballs.
// Everything else is proxied to the registry npm is configured with.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { NPM } from './install.js';
import { repositoryRoot } from './paths.js';
import { freePort } from './ports.js';
import { until } from './wait.js';

const run = promisify(execFile);
const QUIET = { encoding: 'utf8' as const, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 };
/** Where Verdaccio is installed once per checkout (npm's cache folder convention; never committed). */
const VERDACCIO = path.join(repositoryRoot, 'node_modules/.cache/saas-fulfillment/verdaccio');

export interface Registry {
  url: string;
  /** The npm settings that use it: `npm_config_registry` and a user config holding its (dummy) token. */
  env: Record<string, string>;
  publish(tarball: string): Promise<void>;
  close(): Promise<void>;
}

/** Starts Verdaccio on a free loopback port with its storage under `scratch`; installs it first if needed. */
export async function startRegistry(scratch: string): Promise<Registry> {
  if (!existsSync(path.join(VERDACCIO, 'node_modules/verdaccio/package.json'))) {
    mkdirSync(VERDACCIO, { recursive: true });
    await run(NPM, ['install', '--prefix', VERDACCIO, '--no-audit', '--no-fund', '--no-save', 'verdaccio@6'], QUIET);
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const upstream = (await run(NPM, ['config', 'get', 'registry'], QUIET)).stdout.trim();
  const config = path.join(scratch, 'verdaccio.yaml');
  writeFileSync(
    config,
    `storage: ${path.join(scratch, 'verdaccio-storage')}
auth: { htpasswd: { file: ${path.join(scratch, 'htpasswd')}, max_users: -1 } }
uplinks: { upstream: { url: ${upstream}, timeout: 60s } }
packages:
  'saas-fulfillment': { access: $all, publish: $all }
  '@saas-fulfillment/*': { access: $all, publish: $all }
  '**': { access: $all, proxy: upstream }
log: { type: stdout, format: json, level: warn }
listen: 127.0.0.1:${port}
`,
  );
  const server: ChildProcess = spawn(process.execPath, [path.join(VERDACCIO, 'node_modules/verdaccio/bin/verdaccio'), '--config', config], {
    stdio: 'ignore',
  });
  await until(async () => ((await fetch(`${url}/-/ping`).catch(() => undefined))?.ok ? true : undefined), 'Verdaccio to answer', 30_000);
  // The user's own npm settings, and a token for the registry (Verdaccio takes any, npm wants one to publish).
  const own = (await run(NPM, ['config', 'get', 'userconfig'], QUIET)).stdout.trim();
  const userconfig = path.join(scratch, 'npmrc');
  writeFileSync(userconfig, `${existsSync(own) ? readFileSync(own, 'utf8') : ''}\n//127.0.0.1:${port}/:_authToken=local-test-registry\n`);
  const env = { npm_config_registry: `${url}/`, npm_config_userconfig: userconfig };
  return {
    url,
    env,
    async publish(tarball) {
      await run(NPM, ['publish', tarball, '--no-provenance'], { ...QUIET, env: { ...process.env, ...env } });
    },
    async close() {
      server.kill();
      await new Promise((resolve) => (server.exitCode === null ? server.once('exit', resolve) : resolve(undefined)));
    },
  };
}
