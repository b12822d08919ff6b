// How soon a test suite can use a fresh emulator: the in-memory emulator (built and started as a user
// starts it, `saas-fulfillment marketplace --in-memory`) from process start to its first answered request,
// beside a Node process that serves `http.createServer` and nothing else, started and asked the same way;
// medians of runs taken in alternation so a drifting host slows both alike. The command keeps a compile
// cache per user, which its first start on a machine writes: that first start is measured on its own.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MARKETPLACE_RESOURCE_ID } from '@saas-fulfillment/contract';
import { DEV_PUBLISHER } from '@saas-fulfillment/marketplace';
import { bounded, row, type Row } from './report.js';

const BARE_SERVER = "require('node:http').createServer((_q, s) => s.end('ok')).listen(Number(process.argv[1]), '127.0.0.1')";
const RUNS = 9;

export async function benchStart(root: string): Promise<Row[]> {
  const command = path.join(root, 'packages/cli/bin/saas-fulfillment.js');
  const cache = mkdtempSync(path.join(tmpdir(), 'saas-bench-cache-'));
  const env = { SAAS_FULFILLMENT_COMPILE_CACHE: cache };
  const emulator = (port: number, probe: Probe = ready, stop?: NodeJS.Signals) =>
    spawnUntilAnswered([command, 'marketplace', '--in-memory', '--port', String(port)], port, probe, env, stop);
  const bare = (port: number) => spawnUntilAnswered(['-e', BARE_SERVER, String(port)], port, ready);
  try {
    const firstOnMachine = await emulator(await freePort(), ready, 'SIGTERM');
    const times = { emulator: [] as number[], bare: [] as number[], token: [] as number[] };
    for (let run = 0; run < RUNS; run++) {
      times.bare.push(await bare(await freePort()));
      times.emulator.push(await emulator(await freePort()));
      times.token.push(await emulator(await freePort(), tokenIssued));
    }
    const started = median(times.emulator);
    return [
      { ...bounded('emulator-start-ms', started, 'ms', 300), note: 'process start to the first answer, compile cache written' },
      row('emulator-start-vs-bare', started, 'ms', { baseline: median(times.bare), name: 'node with a bare http.createServer', atMost: 3 }),
      { ...row('emulator-first-start-ms', firstOnMachine, 'ms'), note: 'the first start on a machine, which writes the compile cache' },
      { ...row('emulator-start-to-token-ms', median(times.token), 'ms'), note: 'process start to a first access token: its new signing key made' },
      ...suiteRows(root),
    ];
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}

const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

/** Whether the server on `port` answers as wanted yet. */
type Probe = (port: number) => Promise<boolean>;

const ready: Probe = (port) =>
  fetch(`http://127.0.0.1:${port}/readyz`).then(
    (response) => response.status === 200,
    () => false,
  );

const tokenIssued: Probe = (port) =>
  fetch(`http://127.0.0.1:${port}/${DEV_PUBLISHER.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: DEV_PUBLISHER.clientId,
      client_secret: DEV_PUBLISHER.clientSecret,
      scope: `${MARKETPLACE_RESOURCE_ID}/.default`,
    }),
  }).then(
    (response) => response.status === 200,
    () => false,
  );

/** The fixture as a suite uses it (bench/suite-speed.mjs, built code, a process of its own). */
function suiteRows(root: string): Row[] {
  const output = execFileSync(process.execPath, [path.join(root, 'bench/suite-speed.mjs')], { cwd: root, encoding: 'utf8', timeout: 300_000 });
  const measured = JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as Record<string, number>;
  const value = (name: string) => measured[name] ?? Number.NaN;
  const scenarios = row('suite-scenarios-per-second', value('scenariosPerSecond'), 'scenarios/s');
  scenarios.note = `purchase, resolve, activate, customer's plan change, webhook received, acknowledged, applied; one after another, p99 ${Math.round(value('scenarioP99Ms'))} ms each`;
  return [
    {
      ...row('fixture-first-start-ms', value('firstStartMs'), 'ms'),
      note: 'startMarketplace() to ready, the first in a process (modules loaded, schemas compiled)',
    },
    { ...bounded('fixture-start-ms', value('laterStartMs'), 'ms', 50), note: 'startMarketplace() to ready after the first (median of 20)' },
    { ...bounded('fixture-reset-ms', value('resetMs'), 'ms', 5), note: 'reset() with 1,000 subscriptions made by tests, back to a seed of four' },
    { ...row('fixture-reset-to-large-seed-ms', value('resetToLargeSeedMs'), 'ms'), note: 'reset() to a seed of 1,000 subscriptions' },
    scenarios,
    bounded('suite-scenario-p99-ms', value('scenarioP99Ms'), 'ms', 10_000),
  ];
}

/**
 * Milliseconds from spawning the process to `probe`'s yes (asked every 2 ms, for 30 s at most); the process
 * is then stopped: killed, or with `stop` as a user stops it (the compile cache is written on the way out).
 */
async function spawnUntilAnswered(
  args: string[],
  port: number,
  probe: Probe,
  env: Record<string, string> = {},
  stop: NodeJS.Signals = 'SIGKILL',
): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env, LOG_LEVEL: 'silent' }, stdio: 'ignore' });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited with ${child.exitCode} before answering`);
      if (performance.now() - started > 30_000) throw new Error(`${args.join(' ')} did not answer within 30 s`);
      if (await probe(port)) return performance.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(stop);
    await exited;
  }
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
