// `npm run bench`: load on loopback against the emulator, beside a bare Fastify route measured in the
// same run, printed as a table. Targets: get-subscription >= 50% of the bare route's rate; list p99 < 5 ms.
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { ClientSecretCredential } from '../packages/client/src/index.js';
import { DEV_PUBLISHER } from '../packages/marketplace/src/catalog.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const DURATION = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);

interface Ready {
  marketplaceUrl: string;
  bareUrl: string;
  landingToken: string;
  dialect: string;
}

interface Row {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

/** BENCH_ONLY=emulator, webhooks or metering runs that part alone. */
const only = process.env.BENCH_ONLY;
if (!only || only === 'emulator') await benchEmulator();
if (!only || only === 'webhooks') {
  await benchIngest(undefined);
  await benchIngest(process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
}
if (!only || only === 'metering') {
  await benchMetering(undefined);
  await benchMetering(process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
}

async function benchEmulator(): Promise<void> {
  const child = fork(path.join(here, 'servers.ts'), { execArgv: ['--import', 'tsx', '--conditions=source'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once('message', (message) => resolve(message as Ready));
    child.once('exit', (code) => reject(new Error(`bench servers exited with ${code}`)));
  });

  try {
    const token = await accessToken(ready.marketplaceUrl);
    const auth = { authorization: `Bearer ${token}` };
    const api = (p: string) => `${ready.marketplaceUrl}/api${p}${p.includes('?') ? '&' : '?'}api-version=2018-08-31`;
    const pages = await allPages(api('/saas/subscriptions'), auth);
    const someId = pages.ids[Math.floor(pages.ids.length / 2)]!;

    const rows: Row[] = [];
    const listing = {
      url: pages.links[0]!,
      headers: auth,
      requests: pages.links.map((link) => ({ method: 'GET' as const, path: new URL(link).pathname + new URL(link).search })),
    };
    rows.push(await measure('bare Fastify route, same-size body', { url: `${ready.bareUrl}/subscription` }));
    rows.push(await measure('bare Fastify route, 17-byte body', { url: `${ready.bareUrl}/hello` }));
    rows.push(await measure('get-subscription', { url: api(`/saas/subscriptions/${someId}`), headers: auth }));
    rows.push(await measure(`list-subscriptions, ${pages.ids.length} subs`, listing));
    // A client pages by following @nextLink, one page after the other: that is the latency that counts.
    rows.push(await measure(`list-subscriptions, sequential paging`, listing, 1));
    rows.push(
      await measure('resolve', {
        url: api('/saas/subscriptions/resolve'),
        method: 'POST',
        headers: { ...auth, 'x-ms-marketplace-token': ready.landingToken, 'content-type': 'application/json' },
      }),
    );
    print(rows, ready.dialect);
  } finally {
    child.kill();
  }
}

/**
 * Usage ingestion (records/s until the durable answer, 1,000 records per request) for one hour of
 * BENCH_METERING_RECORDS records (default 1,000,000) over 1,000 subscriptions, then the time to price
 * that hour and send it to the emulator; checked: one event per subscription, the total billed exact.
 */
async function benchMetering(databaseUrl: string | undefined): Promise<void> {
  const total = Number(process.env.BENCH_METERING_RECORDS ?? 1_000_000);
  const perRequest = 1000;
  const child = fork(path.join(here, 'metering-server.ts'), {
    execArgv: ['--import', 'tsx', '--conditions=source'],
    env: { ...process.env, BENCH_DATABASE_URL: databaseUrl ?? '' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T>() =>
    new Promise<T>((resolve, reject) => {
      child.once('message', (message) => resolve(message as T));
      child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
    });
  let server: { url: string; appKey: string; subscriptionIds: string[]; rawCommitsPerSecond: number; dialect: string };
  try {
    server = await next();
  } catch (error) {
    console.log(`\nmetering on ${databaseUrl ? 'PostgreSQL' : 'SQLite'}: not measured (${(error as Error).message}; is the database running?)`);
    return;
  }
  try {
    // Every record falls in the hour before this one, so the whole hour is closed and inside the 24-hour window.
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
    const ingestSeconds = (performance.now() - begun) / 1000;
    const failed = result.errors + result.timeouts + result.non2xx;
    child.send({ command: 'submit' });
    const submitted = await next<{ submitMs: number; report: { sent: number; accepted: number }; events: number; quantity: number }>();
    const recordsPerSecond = total / ingestSeconds;
    console.log(
      [
        '',
        `metering on ${server.dialect}: ${total.toLocaleString('en-US')} records of one hour over ${server.subscriptionIds.length} subscriptions, ${perRequest} per request, 4 connections`,
        `| ${'measure'.padEnd(52)} | ${'value'.padStart(12)} |`,
        `|${'-'.repeat(54)}|${'-'.repeat(14)}|`,
        `| ${'raw durable commits per s (1-row transactions)'.padEnd(52)} | ${server.rawCommitsPerSecond.toFixed(0).padStart(12)} |`,
        `| ${'usage records ingested per s (durable answer)'.padEnd(52)} | ${recordsPerSecond.toFixed(0).padStart(12)} |`,
        `| ${'ingestion vs raw commits (records per commit time)'.padEnd(52)} | ${`${(recordsPerSecond / server.rawCommitsPerSecond).toFixed(1)}x`.padStart(12)} |`,
        `| ${'requests failed'.padEnd(52)} | ${String(failed).padStart(12)} |`,
        `| ${'price and send the hour (ms)'.padEnd(52)} | ${submitted.submitMs.toFixed(0).padStart(12)} |`,
        `| ${'events accepted by the emulator'.padEnd(52)} | ${String(submitted.events).padStart(12)} |`,
        `| ${'quantity billed (must equal the records)'.padEnd(52)} | ${String(submitted.quantity).padStart(12)} |`,
      ].join('\n'),
    );
    if (submitted.quantity !== total - failed * perRequest || failed > 0) console.log('metering check: NOT met (records lost or failed)');
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

/** Webhooks/s and p99 until the durable 200, beside the same store's raw durable commit rate. */
async function benchIngest(databaseUrl: string | undefined): Promise<void> {
  const ingest = fork(path.join(here, 'ingest-server.ts'), {
    execArgv: ['--import', 'tsx', '--conditions=source'],
    env: { ...process.env, BENCH_DATABASE_URL: databaseUrl ?? '' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let server: { url: string; token: string; rawCommitsPerSecond: number; dialect: string };
  try {
    server = await new Promise((resolve, reject) => {
      ingest.once('message', (message) => resolve(message as typeof server));
      ingest.once('exit', (code) => reject(new Error(`exited with ${code}`)));
    });
  } catch (error) {
    console.log(`\nwebhook ingest on ${databaseUrl ? 'PostgreSQL' : 'SQLite'}: not measured (${(error as Error).message}; is the database running?)`);
    return;
  }
  try {
    const options: autocannon.Options = {
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
    const row = await measure('webhook ingest (verified JWT, durable 200)', options);
    console.log(
      [
        '',
        `webhook ingest on ${server.dialect}: ${CONNECTIONS} connections, ${DURATION} s`,
        `| ${'measure'.padEnd(52)} | ${'per s'.padStart(8)} | ${'p50 ms'.padStart(7)} | ${'p99 ms'.padStart(7)} | errors |`,
        `|${'-'.repeat(54)}|${'-'.repeat(10)}|${'-'.repeat(9)}|${'-'.repeat(9)}|--------|`,
        `| ${'raw durable commits (1-row transactions, sequential)'.padEnd(52)} | ${server.rawCommitsPerSecond.toFixed(0).padStart(8)} | ${'-'.padStart(7)} | ${'-'.padStart(7)} |      - |`,
        `| ${row.name.padEnd(52)} | ${row.rps.toFixed(0).padStart(8)} | ${row.p50.toFixed(1).padStart(7)} | ${row.p99.toFixed(1).padStart(7)} | ${String(row.errors).padStart(6)} |`,
      ].join('\n'),
    );
  } finally {
    ingest.kill('SIGTERM');
    await new Promise((resolve) => ingest.once('exit', resolve));
  }
}

async function measure(name: string, options: autocannon.Options, connections = CONNECTIONS): Promise<Row> {
  await autocannon({ ...options, connections, duration: 1 }); // warm-up
  const result = await autocannon({ ...options, connections, duration: DURATION });
  const errors = result.errors + result.timeouts + result.non2xx;
  return { name: `${name} (${connections} conn)`, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors };
}

function print(rows: Row[], dialect: string): void {
  const bare = rows[0]!.rps;
  const lines = [
    `emulator benchmark: ${CONNECTIONS} connections, ${DURATION} s per row, store ${dialect}, node ${process.version}`,
    '',
    `| ${'endpoint'.padEnd(52)} | ${'req/s'.padStart(8)} | ${'p50 ms'.padStart(7)} | ${'p99 ms'.padStart(7)} | ${'vs bare'.padStart(7)} | errors |`,
    `|${'-'.repeat(54)}|${'-'.repeat(10)}|${'-'.repeat(9)}|${'-'.repeat(9)}|${'-'.repeat(9)}|--------|`,
    ...rows.map(
      (r) =>
        `| ${r.name.padEnd(52)} | ${r.rps.toFixed(0).padStart(8)} | ${r.p50.toFixed(1).padStart(7)} | ${r.p99.toFixed(1).padStart(7)} | ${`${((r.rps / bare) * 100).toFixed(0)}%`.padStart(7)} | ${String(r.errors).padStart(6)} |`,
    ),
    '',
    `targets: get-subscription >= 50% of the bare route with the same body: ${rows[2]!.rps / bare >= 0.5 ? 'met' : 'NOT met'}; ` +
      `list page p99 < 5 ms when paging: ${rows[4]!.p99 < 5 ? 'met' : 'NOT met'}`,
  ];
  console.log(lines.join('\n'));
}

function accessToken(url: string): Promise<string> {
  const { tenantId, clientId, clientSecret } = DEV_PUBLISHER;
  return new ClientSecretCredential({ tenantId, clientId, clientSecret, authorityHost: url }).getToken();
}

async function allPages(first: string, headers: Record<string, string>): Promise<{ links: string[]; ids: string[] }> {
  const links: string[] = [];
  const ids: string[] = [];
  let next: string | undefined = first;
  while (next) {
    links.push(next);
    const body = (await (await fetch(next, { headers })).json()) as { subscriptions: { id: string }[]; '@nextLink'?: string };
    ids.push(...body.subscriptions.map((s) => s.id));
    next = body['@nextLink'];
  }
  return { links, ids };
}
