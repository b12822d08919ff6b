// `npm run soak -- --minutes N [--seed S] [--customers C]`: customers buy (landing page and auto-activated
// plans), change plans and seats, suspend, reinstate, cancel, renew and report usage against an emulator
// with seeded chaos on, while two publisher processes share one PostgreSQL behind a round-robin balancer
// and are killed with SIGKILL at random moments and restarted. Loopback only, bounded in time. At the end
// it checks the invariants and prints each as a pass or a failure with counts; exit code 1 on any failure.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { mulberry32 } from '@saas-fulfillment/marketplace/internals';
import { startCli, type CliProcess } from '../helpers/cli.js';
import { startTestMarketplace } from '../helpers/marketplace.js';
import { repositoryRoot } from '../helpers/paths.js';
import { hiddenFields, WebSession } from '../helpers/web-session.js';

const { values } = parseArgs({ options: { minutes: { type: 'string' }, seed: { type: 'string' }, customers: { type: 'string' } } });
const minutes = Number(values.minutes ?? 2);
const seed = Number(values.seed ?? Math.floor(Math.random() * 2 ** 31));
const customers = Number(values.customers ?? 6);
const POSTGRES = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ADMIN_PASSWORD = 'soak test admin password';
const APP_API_KEY = 'soak-test-app-key-0123456789';
const random = mulberry32(seed);
const say = (line: string) => process.stdout.write(`${line}\n`);

say(`soak: ${minutes} min, seed ${seed}, ${customers} customers (replay: npm run soak -- --minutes ${minutes} --seed ${seed})`);
execFileSync(process.execPath, [path.join(repositoryRoot, 'node_modules/typescript/bin/tsc'), '-b', path.join(repositoryRoot, 'tsconfig.build.json')], {
  stdio: 'inherit',
});

// One PostgreSQL schema for both publishers.
const schema = `soak_${randomUUID().slice(0, 8)}`;
const admin = new pg.Client({ connectionString: POSTGRES });
await admin.connect();
await admin.query(`CREATE SCHEMA ${schema}`);
const databaseUrl = `${POSTGRES}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;

// The balancer Microsoft's webhooks and the buyers' browsers reach the publishers through.
// Each publisher's port, as it listened last (a restart may get another: the balancer follows).
const ports = [0, 0];
const alive = new Set<number>();
let turn = 0;
const balancer = createServer((request, response) => void forward(request, response));
balancer.listen(0, '127.0.0.1');
await new Promise((resolve) => balancer.once('listening', resolve));
const balancerUrl = `http://127.0.0.1:${(balancer.address() as { port: number }).port}`;

const mp = await startTestMarketplace({
  publisher: { webhookUrl: `${balancerUrl}/webhook`, landingPageUrl: `${balancerUrl}/landing` },
  settings: { webhook: { baseDelayMs: 200, maxDelayMs: 2000, maxAttempts: 100, timeoutMs: 5000 } },
});
const chaos = {
  seed,
  api: { rate: 0.03, kinds: ['500', '503', '429'], retryAfterSeconds: 0 },
  tokens: { outage: 0.02 },
  webhooks: { duplicate: 0.05, late: 0.05, lateMs: 2000, outOfOrder: 0.05, drop: 0.02 },
  unknownValues: 0.05,
};
await mp.http('PUT', '/simulator/chaos', { body: chaos });

const dataDir = mkdtempSync(path.join(tmpdir(), 'saas-soak-'));
const publishers: (CliProcess | undefined)[] = [undefined, undefined];
const startPublisher = async (i: number) => {
  const folder = path.join(dataDir, `p${i}`);
  mkdirSync(folder, { recursive: true });
  const cli = startCli(
    ['publisher', '--marketplace-url', mp.url, '--port', '0', '--data-dir', folder],
    {
      DATABASE_URL: databaseUrl,
      ADMIN_PASSWORD,
      APP_API_KEY,
      METERING_INTERVAL: 'PT10S',
      METERING_LEASE: 'PT5S',
      RECONCILE_INTERVAL: 'PT20S',
      CLIENT_SECRET: '',
      // For the memory check: a heap snapshot, which begins with a full collection, on SIGUSR2.
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --heapsnapshot-signal=SIGUSR2`.trim(),
    },
    folder,
  );
  publishers[i] = cli;
  const [, port] = await cli.waitFor(/Publisher service\s+http:\/\/127\.0\.0\.1:(\d+)/, 30_000);
  ports[i] = Number(port);
  alive.add(ports[i]);
};
await Promise.all([startPublisher(0), startPublisher(1)]);

// What the customers did, to check against at the end.
const owned: string[] = [];
const usage = new Map<string, { subscriptionId: string; quantity: number; state: 'pending' | 'accepted' | 'refused' }>();
const counts = { purchases: 0, actions: 0, refusedActions: 0, kills: 0, usageRecords: 0 };
const deadline = Date.now() + minutes * 60_000;

const json = { 'content-type': 'application/json' };
const act = async (id: string, body: Record<string, unknown>) => {
  const response = await mp.http('POST', `/simulator/subscriptions/${id}/actions`, { body });
  counts.actions++;
  if (response.status !== 202) counts.refusedActions++;
};

/** Opens the landing page through the balancer and confirms, as a buyer would; a publisher dying midway leaves it pending. */
const landing = async (url: string) => {
  const buyer = new WebSession(balancerUrl);
  const page = await buyer.get(url.replace(/^https?:\/\/[^/]+/, ''));
  if (!/Confirm your purchase/.test(page.text)) return;
  await buyer.post('/landing/activate', hiddenFields(page.text, '/landing/activate'));
};

const reportUsage = async (keys: string[]) => {
  // Usage of the hour before this one: closed, so the submitters bill it during the run (and records that
  // come after it was billed are carried into the open hour).
  const timestamp = new Date(Date.now() - 3_600_000).toISOString();
  const records = keys.map((key) => ({
    subscriptionId: usage.get(key)!.subscriptionId,
    dimension: 'api_calls',
    quantity: usage.get(key)!.quantity,
    timestamp,
    idempotencyKey: key,
  }));
  try {
    const response = await fetch(`${balancerUrl}/api/usage`, {
      method: 'POST',
      headers: { ...json, authorization: `Bearer ${APP_API_KEY}` },
      body: JSON.stringify(records),
    });
    if (response.status !== 200) return;
    const body = (await response.json()) as { results: { index: number; status: string }[] };
    for (const result of body.results) {
      const entry = usage.get(keys[result.index]!)!;
      entry.state = result.status === 'refused' ? 'refused' : 'accepted';
    }
  } catch {
    // The answer was lost (a publisher died): the records are sent again with the same keys.
  }
};

const customer = async () => {
  while (Date.now() < deadline) {
    try {
      const r = random();
      if (owned.length < customers * 2 || r < 0.1) {
        const auto = random() < 0.4;
        const bought = (
          await mp.http('POST', '/simulator/purchases', {
            body: { offerId: 'contoso-saas', planId: auto ? 'instant' : 'pro', ...(auto ? {} : { quantity: 2 }) },
          })
        ).body as {
          subscriptionId: string;
          landingPageUrl: string;
        };
        counts.purchases++;
        owned.push(bought.subscriptionId);
        if (!auto) await landing(bought.landingPageUrl);
        continue;
      }
      const id = owned[Math.floor(random() * owned.length)]!;
      const subscription = await mp.store.getSubscription(id);
      const pick = random();
      if (!subscription || subscription.status === 'Unsubscribed') continue;
      if (subscription.status === 'PendingFulfillmentStart') {
        await landing(((await mp.http('POST', `/simulator/subscriptions/${id}/token`)).body as { landingPageUrl: string }).landingPageUrl);
      } else if (subscription.status === 'Suspended') {
        if (pick < 0.6) await act(id, { action: 'Reinstate' });
        else if (pick < 0.7) await act(id, { action: 'Unsubscribe' });
      } else if (pick < 0.35 && subscription.planId === 'pro') {
        const keys = Array.from({ length: 1 + Math.floor(random() * 5) }, () => randomUUID());
        for (const key of keys) usage.set(key, { subscriptionId: id, quantity: 1 + Math.floor(random() * 100), state: 'pending' });
        counts.usageRecords += keys.length;
        await reportUsage(keys);
      } else if (pick < 0.55) {
        await act(
          id,
          subscription.planId === 'pro'
            ? { action: 'ChangeQuantity', quantity: 1 + Math.floor(random() * 20) }
            : { action: 'ChangePlan', planId: subscription.planId === 'instant' ? 'basic' : 'instant' },
        );
      } else if (pick < 0.7) await act(id, { action: 'Suspend' });
      else if (pick < 0.85) await act(id, { action: 'Renew' });
      else if (pick < 0.9) await act(id, { action: 'Unsubscribe' });
    } catch {
      // A publisher killed under a buyer's browser: the buyer tries again later.
    }
    await new Promise((resolve) => setTimeout(resolve, 20 + random() * 80));
  }
};

const killer = async () => {
  while (Date.now() < deadline - 15_000) {
    await new Promise((resolve) => setTimeout(resolve, 10_000 + random() * 15_000));
    if (Date.now() >= deadline - 15_000) break;
    const i = random() < 0.5 ? 0 : 1;
    alive.delete(ports[i]!);
    await publishers[i]?.kill('SIGKILL');
    counts.kills++;
    await new Promise((resolve) => setTimeout(resolve, 500 + random() * 2000));
    await startPublisher(i);
  }
};

await Promise.all([...Array.from({ length: customers }, customer), killer()]);
say(
  `load done: ${counts.purchases} purchases, ${counts.actions} customer actions (${counts.refusedActions} refused by the rules), ${counts.usageRecords} usage records, ${counts.kills} publishers killed`,
);

// Quiet down: chaos off, unanswered usage sent again until answered, everything due delivered and reconciled.
await mp.http('DELETE', '/simulator/chaos');
for (let round = 0; round < 20 && [...usage.values()].some((u) => u.state === 'pending'); round++) {
  await reportUsage(
    [...usage.entries()]
      .filter(([, u]) => u.state === 'pending')
      .map(([key]) => key)
      .slice(0, 1000),
  );
}
const console_ = new WebSession(balancerUrl);
await console_.submit('/admin/login', '/admin/login', { password: ADMIN_PASSWORD });

const results: { name: string; ok: boolean; detail: string }[] = [];
const check = (name: string, ok: boolean, detail: string) => results.push({ name, ok, detail });
const settledBy = Date.now() + 120_000;
let state = await compare();
while (Date.now() < settledBy && !(state.mismatches.length === 0 && state.inProgress === 0 && state.pendingDeliveries === 0)) {
  await console_.postJson('/api/admin/reconcile', {});
  await new Promise((resolve) => setTimeout(resolve, 3000));
  state = await compare();
}
await console_.postJson('/api/admin/metering/submit', {});
// Memory: both publishers left alone after the load, their timers (reconciliation, metering) running;
// the first 20 s let the last of the load's work settle, then the live heap (what survives a full
// collection) is read four times over 60 s. The heap in use between collections says little: garbage
// waits there for the next full collection, which may come minutes later.
await new Promise((resolve) => setTimeout(resolve, 20_000));
const heap: { at: number; mb: number }[][] = [[], []];
for (let sample = 0; sample < 4; sample++) {
  if (sample > 0) await new Promise((resolve) => setTimeout(resolve, 20_000));
  for (const i of [0, 1]) heap[i]!.push({ at: Date.now(), mb: await liveHeapMb(i) });
}

check(
  'every subscription equal on both sides',
  state.mismatches.length === 0,
  `${state.total} subscriptions, ${state.mismatches.length} differ${state.mismatches.length ? `: ${state.mismatches.slice(0, 3).join('; ')}` : ''}`,
);
check(
  'every operation acknowledged, rejected or completed as the rules say',
  state.inProgress === 0,
  `${state.operations} operations, ${state.inProgress} still in progress`,
);
check('every webhook delivered, or dropped by chaos and repaired', state.pendingDeliveries === 0, `${state.pendingDeliveries} deliveries pending`);
// Publishers keep sending closed hours every 10 s, and the check reads their hours and the marketplace's
// events one after the other: an hour sent in between is counted twice or not at all. So a check that
// finds a difference looks again after the next pass; a real loss or double bill stays.
let billing = await usageCheck();
for (let look = 2; look <= 4 && !billing.ok; look++) {
  await new Promise((resolve) => setTimeout(resolve, 12_000));
  billing = await usageCheck();
  billing.detail += ` (look ${look} of 4)`;
}
check('every accepted usage record billed exactly once (or queued in its window)', billing.ok, billing.detail);
// Stuck: dead, or running under a claim that ran out without being taken back.
const jobs = await admin.query<{ status: string; n: string }>(
  `select status, count(*) n from ${schema}.pub_jobs where status = 'dead' or (status = 'running' and locked_until < $1) group by status`,
  [new Date(Date.now() - 5000).toISOString()],
);
const stuck = jobs.rows.map((r) => `${r.status} ${r.n}`);
check('no job stuck or dead', stuck.length === 0, stuck.length ? stuck.join(', ') : 'none');
const slope = Math.max(...heap.map((samples) => slopeMbPerMinute(samples)));
check(
  'publisher memory flat at rest after the load (live heap over 60 s rising under 5 MB/min)',
  slope < 5,
  `steepest ${slope.toFixed(1)} MB/min, heap now ${heap.map((r) => `${(r.at(-1)?.mb ?? 0).toFixed(0)} MB`).join(' and ')}`,
);

for (const r of results) say(`${r.ok ? 'PASS' : 'FAIL'}  ${r.name}: ${r.detail}`);
await Promise.all(publishers.map((p) => p?.kill()));
balancer.close();
await mp.close();
await admin.query(`DROP SCHEMA ${schema} CASCADE`);
await admin.end();
rmSync(dataDir, { recursive: true, force: true });
say(results.every((r) => r.ok) ? `soak passed (seed ${seed})` : `soak FAILED (seed ${seed})`);
process.exit(results.every((r) => r.ok) ? 0 : 1);

async function forward(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const upstreams = ports.filter((p) => alive.has(p));
  for (let tries = 0; tries < Math.max(1, upstreams.length); tries++) {
    const port = upstreams[turn++ % upstreams.length];
    if (port === undefined) break;
    try {
      const headers = Object.fromEntries(
        Object.entries(request.headers).filter(([name]) => !['host', 'connection', 'content-length'].includes(name)),
      ) as Record<string, string>;
      const answer = await fetch(`http://127.0.0.1:${port}${request.url}`, {
        method: request.method,
        headers,
        body: chunks.length ? Buffer.concat(chunks) : undefined,
        redirect: 'manual',
      });
      const body = Buffer.from(await answer.arrayBuffer());
      const out: Record<string, string | string[]> = {};
      answer.headers.forEach((value, name) => {
        if (name !== 'content-encoding' && name !== 'transfer-encoding' && name !== 'set-cookie') out[name] = value;
      });
      const cookies = answer.headers.getSetCookie();
      if (cookies.length) out['set-cookie'] = cookies;
      response.writeHead(answer.status, out).end(body);
      return;
    } catch {
      // That publisher is down: the next one.
    }
  }
  response.writeHead(502).end();
}

/** The emulator's subscriptions against the publishers' copies, and what is still in flight. */
async function compare() {
  const theirs = await mp.store.recentSubscriptions(100_000);
  const ours = new Map(
    (
      await admin.query<{ id: string; status: string; plan_id: string; quantity: number | null }>(
        `select id, status, plan_id, quantity from ${schema}.pub_subscriptions`,
      )
    ).rows.map((r) => [r.id, r]),
  );
  const mismatches: string[] = [];
  let operations = 0;
  let inProgress = 0;
  for (const s of theirs) {
    const mine = ours.get(s.id);
    // A purchase never confirmed on the landing page is known to the marketplace only.
    if (!mine && s.status === 'PendingFulfillmentStart') continue;
    if (!mine || mine.status !== s.status || mine.plan_id !== s.planId || (mine.quantity ?? undefined) !== s.quantity) {
      mismatches.push(`${s.id.slice(0, 8)} ${s.status}/${s.planId}/${s.quantity} vs ${mine ? `${mine.status}/${mine.plan_id}/${mine.quantity}` : 'missing'}`);
    }
    const ops = await mp.store.listOperations(s.id);
    operations += ops.length;
    inProgress += ops.filter((o) => o.status === 'InProgress').length;
  }
  const pendingDeliveries = (await mp.store.deliveriesDue('9999-12-31T00:00:00.000Z', 10_000)).length;
  return { total: theirs.length, mismatches, operations, inProgress, pendingDeliveries };
}

/** Per subscription: what the marketplace billed plus what is still queued equals what was accepted; refusals by the rules counted apart. */
async function usageCheck(): Promise<{ ok: boolean; detail: string }> {
  const accepted = new Map<string, number>();
  for (const u of usage.values()) if (u.state === 'accepted') accepted.set(u.subscriptionId, (accepted.get(u.subscriptionId) ?? 0) + u.quantity);
  // The publisher keeps quantities in millionths of a unit: everything is compared exactly, in micros.
  const hours = await admin.query<{ subscription_id: string; status: string; quantity_micros: string; accepted_micros: string | null }>(
    `select subscription_id, status, quantity_micros, accepted_micros from ${schema}.pub_usage_hours`,
  );
  const micros = (units: number) => Math.round(units * 1_000_000);
  let wrong = 0;
  let refusedByRules = 0;
  let queued = 0;
  let billedTotal = 0;
  for (const [id, expectedUnits] of accepted) {
    const expected = micros(expectedUnits);
    const mine = hours.rows.filter((h) => h.subscription_id === id);
    const billed = (await mp.store.usage.of(id, 10_000)).reduce((n, e) => n + micros(e.quantity), 0);
    const open = mine.filter((h) => h.status === 'open' || h.status === 'ready').reduce((n, h) => n + Number(h.quantity_micros), 0);
    const refused = mine.filter((h) => h.status === 'rejected').reduce((n, h) => n + Number(h.quantity_micros), 0);
    const publisherBilled = mine.filter((h) => h.status === 'accepted').reduce((n, h) => n + Number(h.accepted_micros ?? 0), 0);
    billedTotal += billed;
    queued += open;
    refusedByRules += refused;
    if (billed + open + refused !== expected || billed !== publisherBilled) wrong++;
  }
  const expired = hours.rows.filter((h) => h.status === 'expired').length;
  const detail = `${accepted.size} subscriptions, ${billedTotal / 1_000_000} units billed, ${queued / 1_000_000} queued, ${refusedByRules / 1_000_000} refused by the marketplace (subscription no longer active), ${wrong} subscriptions off, ${expired} hours expired`;
  return { ok: wrong === 0 && expired === 0, detail };
}

/**
 * A publisher's live heap in MB: it writes a heap snapshot on SIGUSR2 (a full collection comes first),
 * and its metrics read just after show what survived. The snapshot is deleted.
 */
async function liveHeapMb(i: number): Promise<number> {
  const folder = path.join(dataDir, `p${i}`);
  const snapshots = () => readdirSync(folder).filter((name) => name.endsWith('.heapsnapshot'));
  publishers[i]?.child.kill('SIGUSR2');
  const deadline = Date.now() + 60_000;
  let size = -1;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const [written] = snapshots();
    const now = written ? statSync(path.join(folder, written)).size : -1;
    if (now > 0 && now === size) break;
    if (Date.now() > deadline) throw new Error(`publisher ${i} wrote no heap snapshot`);
    size = now;
  }
  const text = await (await fetch(`http://127.0.0.1:${ports[i]}/metrics`)).text();
  for (const name of snapshots()) rmSync(path.join(folder, name));
  return Number(/^nodejs_heap_size_used_bytes (\S+)$/m.exec(text)?.[1] ?? 0) / 1_048_576;
}

function slopeMbPerMinute(warm: { at: number; mb: number }[]): number {
  if (warm.length < 3) return Number.POSITIVE_INFINITY;
  const n = warm.length;
  const meanT = warm.reduce((a, s) => a + s.at, 0) / n;
  const meanM = warm.reduce((a, s) => a + s.mb, 0) / n;
  const cov = warm.reduce((a, s) => a + (s.at - meanT) * (s.mb - meanM), 0);
  const variance = warm.reduce((a, s) => a + (s.at - meanT) ** 2, 0);
  return variance === 0 ? 0 : (cov / variance) * 60_000;
}
