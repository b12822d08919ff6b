// The vendor's product's hot paths: the publisher's entitlement API beside a bare route serving the same
// body, the SDK's cached check beside a plain Map lookup, and usage recorded through the SDK (buffered,
// and end to end to the publisher's durable answer).
import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Entitlements, UsageRecorder } from '@saas-fulfillment/app';
import { paired } from './load.js';
import { bounded, row, type Row } from './report.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CHECKS = 5_000_000;
const RECORDS = Number(process.env.BENCH_APP_RECORDS ?? 20_000);

interface Ready {
  publisherUrl: string;
  bareUrl: string;
  subscriptionId: string;
  appKey: string;
}

export async function benchApp(): Promise<Row[]> {
  process.stderr.write('the application API and the SDK…\n');
  const child = fork(path.join(here, 'app-server.ts'), {
    execArgv: ['--import', 'tsx', '--conditions=source'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const ready = await new Promise<Ready>((resolve, reject) => {
      child.once('message', (message) => resolve(message as Ready));
      child.once('exit', (code) => reject(new Error(`bench app servers exited with ${code}`)));
    });
    const connection = { baseUrl: ready.publisherUrl, apiKey: ready.appKey };
    const api = await paired(
      { url: `${ready.publisherUrl}/api/entitlements/${ready.subscriptionId}`, headers: { authorization: `Bearer ${ready.appKey}` } },
      { url: `${ready.bareUrl}/entitlement` },
    );
    const checks = await cachedChecks(connection, ready.subscriptionId);
    const usage = await usageRates(connection, ready.subscriptionId);
    return [
      row('entitlement-api', api.subject.rps, 'req/s', { baseline: api.baseline.rps, name: 'bare route, same body', atLeast: 0.75 }),
      bounded('entitlement-api-p99', api.subject.p99, 'ms', 2),
      row('sdk-cached-check', checks.sdk, 'checks/s', { baseline: checks.map, name: 'plain Map lookup and feature test', atLeast: 0.5 }),
      { id: 'sdk-cached-check-rate', value: Math.round(checks.sdk), unit: 'checks/s', target: '>= 1000000 checks/s', met: checks.sdk >= 1_000_000 },
      { id: 'sdk-usage-buffered', value: Math.round(usage.buffered), unit: 'records/s', note: 'record() without a journal' },
      { id: 'sdk-usage-journaled', value: Math.round(usage.journaled), unit: 'records/s', note: 'record() with the journal, each synced before it returns' },
      { id: 'sdk-usage-end-to-end', value: Math.round(usage.endToEnd), unit: 'records/s', note: "to the publisher's durable answer, batches of 500" },
    ];
  } finally {
    child.kill('SIGTERM');
  }
}

/** Cached checks per second on one core, beside the plain lookup they cost at least. */
async function cachedChecks(connection: { baseUrl: string; apiKey: string }, id: string): Promise<{ sdk: number; map: number }> {
  const entitlements = new Entitlements(connection, { refreshMs: 0, features: { instant: ['dashboards'] } });
  const copy = await entitlements.read(id);
  if (!copy) throw new Error('no entitlement to cache');
  const map = new Map([[id, copy.entitlement]]);
  const features: Record<string, string[]> = { instant: ['dashboards'] };
  const rate = (work: () => boolean) => {
    let allowed = 0;
    const started = performance.now();
    for (let i = 0; i < CHECKS; i++) if (work()) allowed++;
    if (allowed !== CHECKS) throw new Error('a check said no');
    return CHECKS / ((performance.now() - started) / 1000);
  };
  const plain = () => {
    const entitlement = map.get(id);
    return entitlement !== undefined && entitlement.access === 'full' && (features[entitlement.planId]?.includes('dashboards') ?? false);
  };
  const sdk = () => entitlements.cached(id, 'dashboards')?.allowed === true;
  // Alternating rounds: a drifting host slows both alike.
  const rounds = [0, 1, 2].map(() => ({ map: rate(plain), sdk: rate(sdk) }));
  entitlements.close();
  const mean = (side: 'map' | 'sdk') => rounds.reduce((sum, r) => sum + r[side], 0) / rounds.length;
  return { sdk: mean('sdk'), map: mean('map') };
}

/** Records per second into the buffer, into the journal, and all the way to the publisher's 200. */
async function usageRates(connection: { baseUrl: string; apiKey: string }, subscriptionId: string) {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const scratch = mkdtempSync(path.join(tmpdir(), 'bench-usage-'));
  const record = (i: number) => ({ subscriptionId, dimension: 'api_calls', quantity: 1 + (i % 5) });
  try {
    const timed = async (recorder: UsageRecorder, count: number, drain: boolean) => {
      const started = performance.now();
      await Promise.all(Array.from({ length: count }, (_, i) => recorder.record(record(i))));
      if (drain) while (recorder.waiting > 0) await recorder.flush();
      return count / ((performance.now() - started) / 1000);
    };
    const buffered = await UsageRecorder.open(connection, { flushIntervalMs: 3_600_000, batchSize: 1000 });
    const bufferedRate = await timed(buffered, RECORDS, false);
    const journaled = await UsageRecorder.open(connection, { journal: path.join(scratch, 'usage.jsonl'), flushIntervalMs: 3_600_000, batchSize: 1000 });
    const journaledRate = await timed(journaled, RECORDS, false);
    const sender = await UsageRecorder.open(connection, { flushIntervalMs: 3_600_000, batchSize: 500 });
    const endToEnd = await timed(sender, RECORDS, true);
    for (const recorder of [buffered, journaled, sender]) await recorder.close();
    return { buffered: bufferedRate, journaled: journaledRate, endToEnd };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
