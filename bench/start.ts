// How soon a test suite can use a fresh emulator: the in-memory emulator (built, as `saas-fulfillment
// marketplace --in-memory` runs) from process start to its first answered request, beside a Node process
// that serves `http.createServer` and nothing else, started and asked the same way; medians of runs taken
// in alternation so a drifting host slows both alike.
import { spawn } from 'node:child_process';
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
