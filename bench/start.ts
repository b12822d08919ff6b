// How soon a test suite can use a fresh emulator: the in-memory emulator (built, as `saas-fulfillment
// marketplace --in-memory` runs) from process start to its first answered request, beside a Node process
// that serves `http.createServer` and nothing else, started and asked the same way; medians of runs taken
// in alternation so a drifting host slows both alike.
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { bounded, row, type Row } from './report.js';

const BARE_SERVER = "require('node:http').createServer((_q, s) => s.end('ok')).listen(Number(process.argv[1]), '127.0.0.1')";
const RUNS = 9;

export async function benchStart(root: string): Promise<Row[]> {
  const main = path.join(root, 'packages/cli/dist/main.js');
  const emulator = (port: number) => spawnUntilAnswered([main, 'marketplace', '--in-memory', '--port', String(port)], port, '/readyz');
  const bare = (port: number) => spawnUntilAnswered(['-e', BARE_SERVER, String(port)], port, '/');
  const times = { emulator: [] as number[], bare: [] as number[] };
  for (let run = 0; run < RUNS; run++) {
    times.bare.push(await bare(await freePort()));
    times.emulator.push(await emulator(await freePort()));
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
  const started = median(times.emulator);
  return [
    bounded('emulator-start-ms', started, 'ms', 300),
    row('emulator-start-vs-bare', started, 'ms', { baseline: median(times.bare), name: 'node with a bare http.createServer', atMost: 3 }),
    ...suiteRows(root),
  ];
}

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

/** Milliseconds from spawning the process to its first 200 at `probe` (asked every 2 ms, for 30 s at most); the process is then stopped. */
async function spawnUntilAnswered(args: string[], port: number, probe: string): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { env: { ...process.env, LOG_LEVEL: 'silent' }, stdio: 'ignore' });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited with ${child.exitCode} before answering`);
      if (performance.now() - started > 30_000) throw new Error(`${args.join(' ')} did not answer ${probe} with 200 within 30 s`);
      const answered = await fetch(`http://127.0.0.1:${port}${probe}`).then(
        (response) => response.status === 200,
        () => false,
      );
      if (answered) return performance.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
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
