// `npm run bench [-- --json]`: every measure beside its baseline from the same run on the same machine
// (a bare Fastify route, the store's raw durable commit rate, the same measure at another size), with its
// target; one table (or JSON rows), and bench/results/bench.json and bench.svg written.
// BENCH_ONLY=emulator|webhooks|metering|dev|cli|app|start runs one part; BENCH_SECONDS sets each load's length.
import { execFileSync, fork, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { ClientSecretCredential } from '@saas-fulfillment/client';
import { DEV_PUBLISHER } from '@saas-fulfillment/marketplace';
import { benchApp } from './app.js';
import { benchStart } from './start.js';
import { alternate, DURATION, type Load, measure, paired } from './load.js';
import { bounded, printTable, row, writeResults, type Row } from './report.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const POSTGRES = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const asJson = process.argv.includes('--json');
const only = process.env.BENCH_ONLY;
const progress = (line: string) => process.stderr.write(`${line}\n`);

const rows: Row[] = [];
if (!only || only === 'emulator') rows.push(...(await benchEmulator()));
if (!only || only === 'webhooks') rows.push(...(await benchIngest(undefined)), ...(await benchIngest(POSTGRES)));
if (!only || only === 'metering') rows.push(...(await benchMetering(undefined)), ...(await benchMetering(POSTGRES)));
if (!only || only === 'dev') rows.push(...(await benchDev()));
if (!only || only === 'cli') rows.push(...(await benchCli()));
if (!only || only === 'app') rows.push(...(await benchApp()));
if (!only || only === 'start') rows.push(...(await benchStart(root)));

const meta = {
  run: new Date().toISOString(),
  node: `node ${process.version}`,
  cpus: `${(await import('node:os')).cpus().length} CPUs`,
  seconds: `${DURATION} s per load`,
};
// Only a full run replaces the results the README links; a part is printed, not written.
const files = only ? undefined : writeResults(path.join(here, 'results'), rows, meta);
if (asJson) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
else
  process.stdout.write(
    `\n${printTable(rows)}\n\n${files ? `written: ${path.relative(root, files.json)}, ${path.relative(root, files.svg)}` : 'a part only: bench/results left as it was'}\n`,
  );

/** A seeded emulator beside bare routes; get, resolve, a list page and a purchase, then the same at 1,000 and 100,000 subscriptions. */
async function benchEmulator(): Promise<Row[]> {
  const main = await withServers(10_000, async (s) => {
    const bare = { url: `${s.bareUrl}/subscription` };
    const get = await paired({ url: s.api(`/saas/subscriptions/${s.someId}`), headers: s.auth }, bare);
    const resolve = await paired(
      {
        url: s.api('/saas/subscriptions/resolve'),
        method: 'POST',
        headers: { ...s.auth, 'x-ms-marketplace-token': s.landingToken, 'content-type': 'application/json' },
      },
      bare,
    );
    const page = await paired({ url: s.firstPage, headers: s.auth }, { url: `${s.bareUrl}/page` });
    const purchase = await alternate(() => measure({ ...s.purchase, duration: 1 }), s.rawCommits, s.purchase);
    return [
      row('get-subscription', get.subject.rps, 'req/s', { baseline: get.baseline.rps, name: 'bare route, same body', atLeast: 0.75 }),
      row('resolve', resolve.subject.rps, 'req/s', { baseline: resolve.baseline.rps, name: 'bare route, same body', atLeast: 0.5 }),
      row('list-page', page.subject.rps, 'req/s', { baseline: page.baseline.rps, name: 'bare route, same page bytes', atLeast: 0.5 }),
      row('purchase', purchase.subject.rps, 'req/s', { baseline: purchase.baseline.rps, name: 'raw sequential durable commits', atLeast: 1 }),
    ];
  });
  // Both sizes served side by side and measured in alternating rounds, each beside the other.
  const scaling = await withServers(1000, (small) =>
    withServers(100_000, async (large) => {
      const get = (s: Servers) => ({ url: s.api(`/saas/subscriptions/${s.someId}`), headers: s.auth });
      const page = (s: Servers) => ({ url: s.firstPage, headers: s.auth });
      return {
        get: await paired(get(large), get(small)),
        page: await paired(page(large), page(small)),
        purchase: await paired(large.purchase, small.purchase),
      };
    }),
  );
  const grows = (id: string, key: keyof typeof scaling) =>
    row(`${id}-100k-vs-1k`, scaling[key].subject.rps, 'req/s', {
      baseline: scaling[key].baseline.rps,
      name: 'the same at 1,000 subscriptions',
      atLeast: 0.8,
    });
  return [...main, grows('get-subscription', 'get'), grows('list-page', 'page'), grows('purchase', 'purchase')];
}

interface Servers {
  bareUrl: string;
  api: (p: string) => string;
  auth: Record<string, string>;
  someId: string;
  firstPage: string;
  landingToken: string;
  /** One second of the store's raw sequential commits, measured in the servers' process. */
  rawCommits: () => Promise<Load>;
  purchase: autocannon.Options;
}

async function withServers<T>(count: number, work: (s: Servers) => Promise<T>): Promise<T> {
  progress(`emulator with ${count.toLocaleString('en-US')} subscriptions…`);
  const child = fork(path.join(here, 'servers.ts'), {
    execArgv: ['--import', 'tsx', '--conditions=source'],
    env: { ...process.env, BENCH_SUBSCRIPTIONS: String(count) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const ready = await new Promise<{ marketplaceUrl: string; bareUrl: string; landingToken: string }>((resolve, reject) => {
      child.once('message', (message) => resolve(message as never));
      child.once('exit', (code) => reject(new Error(`bench servers exited with ${code}`)));
    });
    const { tenantId, clientId, clientSecret } = DEV_PUBLISHER;
    const token = await new ClientSecretCredential({ tenantId, clientId, clientSecret, authorityHost: ready.marketplaceUrl }).getToken();
    const auth = { authorization: `Bearer ${token}` };
    const api = (p: string) => `${ready.marketplaceUrl}/api${p}${p.includes('?') ? '&' : '?'}api-version=2018-08-31`;
    const firstPage = api('/saas/subscriptions');
    const pageText = await (await fetch(firstPage, { headers: auth })).text();
    const ids = (JSON.parse(pageText) as { subscriptions: { id: string }[] }).subscriptions.map((s) => s.id);
    // The bare route serves the very bytes of that page.
    await fetch(`${ready.bareUrl}/page`, { method: 'PUT', body: pageText });
    const purchase: autocannon.Options = {
      url: `${ready.marketplaceUrl}/simulator/purchases`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ offerId: 'contoso-saas', planId: 'basic' }),
    };
    return await work({ ...ready, api, auth, someId: ids[Math.floor(ids.length / 2)] ?? '', firstPage, purchase, rawCommits: () => rawCommitsOf(child) });
  } finally {
    child.kill();
  }
}

/** Webhooks/s until the durable 200 (a real RS256 token checked per request), beside the store's raw commits. */
async function benchIngest(databaseUrl: string | undefined): Promise<Row[]> {
  const dialect = databaseUrl ? 'postgres' : 'sqlite';
  progress(`webhook ingest on ${dialect}…`);
  return withChild('ingest-server.ts', databaseUrl, async (server: { url: string; token: string }, child) => {
    const webhooks: autocannon.Options = {
      url: `${server.url}/webhook`,
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      requests: [
        {
          method: 'POST',
          setupRequest: (request) => ({
            ...request,
            body: JSON.stringify({
              id: randomUUID(),
              activityId: randomUUID(),
              subscriptionId: randomUUID(),
              action: 'Suspend',
              status: 'Succeeded',
              timeStamp: new Date().toISOString(),
            }),
          }),
        },
      ],
    };
    const ingest = await alternate(
      () => measure({ ...webhooks, duration: 1 }),
      () => rawCommitsOf(child),
      webhooks,
    );
    const against = { baseline: ingest.baseline.rps, name: 'raw sequential durable commits', atLeast: databaseUrl ? 3 : 1.5 };
    const rate = row(`webhook-ingest-${dialect}`, ingest.subject.rps, 'req/s', against);
    return databaseUrl ? [rate] : [rate, bounded('webhook-ingest-sqlite-p99', ingest.subject.p99, 'ms', 10)];
  });
}

/**
 * One hour of BENCH_METERING_RECORDS usage records (default 1,000,000) over 1,000 subscriptions through
 * POST /api/usage (1,000 per request, each answer after its commit), then the hour priced and sent to the
 * emulator; checked: one event per subscription and the exact total billed.
 */
async function benchMetering(databaseUrl: string | undefined): Promise<Row[]> {
  const dialect = databaseUrl ? 'postgres' : 'sqlite';
  const total = Number(process.env.BENCH_METERING_RECORDS ?? 1_000_000);
  const perRequest = 1000;
  progress(`metering on ${dialect}: ${total.toLocaleString('en-US')} records…`);
  return withChild('metering-server.ts', databaseUrl, async (server: { url: string; appKey: string; subscriptionIds: string[] }, child) => {
    // Every record falls in the hour before this one: the whole hour is closed and inside the 24-hour window.
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;
    let sent = 0;
    const body = () => {
      const records = Array.from({ length: perRequest }, (_, i) => ({
        subscriptionId: server.subscriptionIds[(sent + i) % server.subscriptionIds.length],
        dimension: 'api_calls',
        quantity: 1,
        timestamp: new Date(hour + ((sent + i) % 3_600_000)).toISOString(),
      }));
      sent += perRequest;
      return JSON.stringify(records);
    };
    // The store's raw commit rate just before and just after the load: a drifting host moves both.
    const rawBefore = await rawCommitsOf(child);
    const begun = performance.now();
    const result = await autocannon({
      url: `${server.url}/api/usage`,
      method: 'POST',
      connections: 4,
      amount: total / perRequest,
      timeout: 60,
      headers: { authorization: `Bearer ${server.appKey}`, 'content-type': 'application/json' },
      requests: [{ method: 'POST', setupRequest: (request) => ({ ...request, body: body() }) }],
    });
    const recordsPerSecond = total / ((performance.now() - begun) / 1000);
    const failed = result.errors + result.timeouts + result.non2xx;
    const rawCommits = (rawBefore.rps + (await rawCommitsOf(child)).rps) / 2;
    child.send({ command: 'submit' });
    const submitted = await new Promise<{ submitMs: number; events: number; quantity: number }>((resolve) => child.once('message', (m) => resolve(m as never)));
    const exact = failed === 0 && submitted.quantity === total && submitted.events === server.subscriptionIds.length;
    return [
      {
        ...row(`metering-ingest-${dialect}`, recordsPerSecond, 'records/s', { baseline: rawCommits, name: 'raw sequential durable commits' }),
        note: exact ? 'billed exactly' : 'NOT exact',
      },
      { ...row(`metering-submit-1m-s-${dialect}`, submitted.submitMs / 1000, 's'), note: `${submitted.events} events, ${submitted.quantity} units` },
    ];
  });
}

/** `dev` as a newcomer starts it (built): its memory at rest, and a customer's plan change until the publisher has applied it. */
async function benchDev(): Promise<Row[]> {
  progress('building, then dev…');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'saas-bench-dev-'));
  const dev = spawn(
    process.execPath,
    [path.join(root, 'packages/cli/bin/saas-fulfillment.js'), 'dev', '--port', '0', '--marketplace-port', '0', '--data-dir', dataDir],
    {
      env: { ...process.env, LOG_LEVEL: 'warn', ADMIN_PASSWORD: '', APP_API_KEY: '' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    let output = '';
    dev.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const started = Date.now();
    while (!/Publisher service\s+http/.test(output)) {
      if (Date.now() - started > 30_000 || dev.exitCode !== null) throw new Error(`dev did not start:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const mpUrl = /Marketplace emulator\s+(http\S+)/.exec(output)?.[1] ?? '';
    const pubUrl = /Publisher service\s+(http\S+)/.exec(output)?.[1] ?? '';
    const appKey = /App API key\s+(\S+)/.exec(output)?.[1] ?? '';
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const rssMb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${dev.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
    const changes = await changePlanLatencies(mpUrl, pubUrl, appKey, 15);
    const median = changes.sort((a, b) => a - b)[Math.floor(changes.length / 2)] ?? Number.NaN;
    return [bounded('rss-at-rest-mb', rssMb, 'MB', 120), bounded('e2e-change-plan-median-ms', median, 'ms', 50)];
  } finally {
    dev.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * The command's start-to-exit (built, as users run it): `trigger --help`, and `clock` against a running
 * emulator, each beside `node -e ''` in alternating runs; medians of 15.
 */
async function benchCli(): Promise<Row[]> {
  progress('the command line: start to exit…');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  const main = path.join(root, 'packages/cli/bin/saas-fulfillment.js');
  const emulator = spawn(process.execPath, [main, 'marketplace', '--in-memory', '--port', '0'], {
    env: { ...process.env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    let output = '';
    emulator.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    while (!/Marketplace emulator\s+http/.test(output)) {
      if (emulator.exitCode !== null) throw new Error(`the emulator did not start:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const url = /Marketplace emulator\s+(http\S+)/.exec(output)?.[1] ?? '';
    const timed = (args: string[]) => () => {
      const started = performance.now();
      execFileSync(process.execPath, args, { stdio: 'ignore' });
      return performance.now() - started;
    };
    const bare = timed(['-e', '']);
    const help = await startToExit(timed([main, 'trigger', '--help']), bare);
    const clock = await startToExit(timed([main, 'clock', '--marketplace-url', url]), bare);
    const against = (baseline: number) => ({ baseline, name: "node -e ''", atMost: 3 });
    return [row('cli-trigger-help-ms', help.subject, 'ms', against(help.baseline)), row('cli-clock-ms', clock.subject, 'ms', against(clock.baseline))];
  } finally {
    emulator.kill();
  }
}

/** Medians of a command's runs and of the baseline's, taken in alternation so a drifting host slows both alike. */
async function startToExit(subject: () => number, baseline: () => number, runs = 15): Promise<{ subject: number; baseline: number }> {
  const times = { subject: [] as number[], baseline: [] as number[] };
  for (let i = 0; i < runs; i++) {
    times.subject.push(subject());
    times.baseline.push(baseline());
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
  return { subject: median(times.subject), baseline: median(times.baseline) };
}

/** An auto-activated purchase, then `times` customer plan changes, each timed until the entitlement API shows the new plan. */
async function changePlanLatencies(mpUrl: string, pubUrl: string, appKey: string, times: number): Promise<number[]> {
  const json = { 'content-type': 'application/json' };
  const bought = (await (
    await fetch(`${mpUrl}/simulator/purchases`, { method: 'POST', headers: json, body: JSON.stringify({ offerId: 'contoso-saas', planId: 'instant' }) })
  ).json()) as {
    subscriptionId: string;
  };
  const planNow = async () => {
    const response = await fetch(`${pubUrl}/api/entitlements/${bought.subscriptionId}`, { headers: { authorization: `Bearer ${appKey}` } });
    return response.ok ? ((await response.json()) as { planId: string; status: string }) : undefined;
  };
  const until = async (check: (e: { planId: string; status: string } | undefined) => boolean) => {
    const deadline = Date.now() + 15_000;
    while (!check(await planNow())) {
      if (Date.now() > deadline) throw new Error('the publisher did not apply the change within 15 s');
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  };
  await until((e) => e?.status === 'Subscribed');
  const latencies: number[] = [];
  for (let i = 0; i < times; i++) {
    const planId = i % 2 === 0 ? 'basic' : 'instant';
    const begun = performance.now();
    await fetch(`${mpUrl}/simulator/subscriptions/${bought.subscriptionId}/actions`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ action: 'ChangePlan', planId }),
    });
    await until((e) => e?.planId === planId);
    latencies.push(performance.now() - begun);
  }
  return latencies;
}

/** A bench child process (on SQLite, or on `databaseUrl`), its ready message, and `work` against it. */
async function withChild<T, R>(
  script: string,
  databaseUrl: string | undefined,
  work: (ready: T, child: ReturnType<typeof fork>) => Promise<R[]>,
): Promise<R[]> {
  const child = fork(path.join(here, script), {
    execArgv: ['--import', 'tsx', '--conditions=source'],
    env: { ...process.env, BENCH_DATABASE_URL: databaseUrl ?? '' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const ready = await new Promise<T>((resolve, reject) => {
      child.once('message', (message) => resolve(message as T));
      child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
    });
    return await work(ready, child);
  } catch (error) {
    progress(`${script} on ${databaseUrl ? 'PostgreSQL' : 'SQLite'}: not measured (${(error as Error).message}; is the database running?)`);
    return [];
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
  }
}

/** One second of raw sequential commits in a bench child (see commits.ts), as a load. */
function rawCommitsOf(child: ReturnType<typeof fork>): Promise<Load> {
  return new Promise((resolve) => {
    const answer = (message: { rawCommits?: number }) => {
      if (message.rawCommits === undefined) return;
      child.off('message', answer);
      resolve({ rps: message.rawCommits, p99: 0, errors: 0 });
    };
    child.on('message', answer);
    child.send({ command: 'raw-commits' });
  });
}
