// Each alert of deploy/prometheus/alerts.yml, provoked against a live publisher and emulator (one clock
// for both), and the metric the alert reads read back from /metrics past the alert's threshold. Two are
// provoked elsewhere: SaasWebhooksFailing by the database outage test (webhooks not stored), and
// SaasPublisherDown reads Prometheus's own `up`, which no service exports.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ClientCertificateCredential, ClientSecretCredential } from '@saas-fulfillment/client';
import type { ChangeRequest } from '@saas-fulfillment/publisher';
import { createMetrics } from '@saas-fulfillment/publisher/internals';
import { parse } from 'yaml';
import { makeCertificate } from '../helpers/certificates.js';
import { DEV_PUBLISHER, TestClock } from '../helpers/marketplace.js';
import { repositoryRoot } from '../helpers/paths.js';
import { APP_API_KEY, startTestStack, type TestStack } from '../helpers/stack.js';
import { until } from '../helpers/wait.js';

const HOUR = 3_600_000;
const PROVOKED_ELSEWHERE = ['SaasWebhooksFailing', 'SaasPublisherDown'];

/** The sum of a metric's samples whose labels include `labels`, from the Prometheus text format. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const [, series, value] of text.matchAll(/^([a-z_]+(?:\{[^}]*\})?) (\S+)$/gm)) {
    const [, family = '', body = ''] = /^([a-z_]+)(?:\{(.*)\})?$/.exec(series as string) ?? [];
    if (family !== name) continue;
    const own = Object.fromEntries([...body.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => own[k] === v)) total += Number(value);
  }
  return total;
}

describe('each alert, provoked, moves the metric it reads past its threshold', () => {
  let stack: TestStack;
  let clock: TestClock;
  const provoked = new Set<string>();

  before(async () => {
    clock = new TestClock(new Date());
    stack = await startTestStack({
      marketplace: { clock },
      publisher: { clock },
      hooks: {
        // The vendor's rules, slowed on purpose: 41 seats takes 9 s (past 8), 42 takes until Microsoft decided alone.
        decide: async (change: ChangeRequest) => {
          if (change.quantity === 41) clock.advance(9_000);
          if (change.quantity === 42) {
            // Once the emulator has opened the window (it does so after the webhook's answer), let it close.
            await until(async () => ((await stack.mp.store.getOperation(change.operationId))?.completesAt ? true : undefined), 'the window to open');
            clock.advance(11_000);
            await stack.mp.app.marketplace.worker.drain();
          }
          return { accept: true };
        },
      },
    });
  });
  after(() => stack.close());

  const metrics = async () => (await fetch(`${stack.publisherUrl}/metrics`)).text();
  const fault = async (body: Record<string, unknown>) => assert.equal((await stack.mp.http('POST', '/simulator/faults', { body })).status, 201);
  const seats = async (id: string, quantity: number) => {
    const started = await stack.mp.http('POST', `/simulator/subscriptions/${id}/actions`, { body: { action: 'ChangeQuantity', quantity } });
    assert.equal(started.status, 202, started.text);
    await stack.settle();
  };

  it('SaasWebhooksUnauthorized: a webhook with a forged token', async () => {
    const forged = await fetch(`${stack.publisherUrl}/webhook`, {
      method: 'POST',
      headers: { authorization: 'Bearer forged', 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(forged.status, 401);
    assert.ok(sample(await metrics(), 'saas_webhooks_total', { result: 'unauthorized' }) > 0);
    provoked.add('SaasWebhooksUnauthorized');
  });

  it('SaasJobsFailing and SaasMarketplaceErrors: Get Operation answers 500 until the job retries', async () => {
    const id = await stack.buyAndActivate({ planId: 'pro', quantity: 1 });
    // Four failures: every attempt of the client's first call, so the job itself fails once.
    await fault({ pathPattern: `/saas/subscriptions/${id}/operations/*`, method: 'GET', status: 500, count: 4 });
    await seats(id, 3);
    const text = await metrics();
    assert.ok(sample(text, 'saas_jobs_total', { kind: 'webhook', outcome: 'retry' }) > 0);
    assert.ok(sample(text, 'saas_marketplace_calls_total', { method: 'getOperation', status: '500' }) >= 4);
    // Its retry, once due, goes through.
    clock.advance(1_000);
    await stack.settle();
    assert.equal((await stack.publisher.publisher.store.getSubscription(id))?.quantity, 3);
    provoked.add('SaasJobsFailing').add('SaasMarketplaceErrors');
  });

  it('SaasJobsDead: Get Operation does not know the operation', async () => {
    const id = await stack.buyAndActivate({ planId: 'pro', quantity: 1 });
    await fault({ pathPattern: `/saas/subscriptions/${id}/operations/*`, method: 'GET', status: 404, count: 1 });
    await seats(id, 4);
    assert.ok(sample(await metrics(), 'saas_jobs', { status: 'dead' }) > 0);
    provoked.add('SaasJobsDead');
  });

  it('SaasMarketplaceThrottling and SaasMarketplaceRefusesUs: 429, then 401', async () => {
    const id = await stack.buyAndActivate({ planId: 'pro', quantity: 1 });
    await fault({ pathPattern: `/saas/subscriptions/${id}`, method: 'GET', status: 429, retryAfterSeconds: 0, count: 1 });
    await fault({ pathPattern: `/saas/subscriptions/${id}`, method: 'GET', status: 401, count: 2 });
    await stack.client.getSubscription(id).catch(() => undefined);
    const text = await metrics();
    assert.ok(sample(text, 'saas_marketplace_calls_total', { status: '429' }) > 0);
    assert.ok(sample(text, 'saas_marketplace_calls_total', { status: '401' }) > 0);
    provoked.add('SaasMarketplaceThrottling').add('SaasMarketplaceRefusesUs');
  });

  it('SaasOperationNearWindow: a decision that takes 9 seconds', async () => {
    const id = await stack.buyAndActivate({ planId: 'pro', quantity: 1 });
    await seats(id, 41);
    const text = await metrics();
    const late = sample(text, 'saas_operation_acknowledge_seconds_count') - sample(text, 'saas_operation_acknowledge_seconds_bucket', { le: '8' });
    assert.ok(late > 0, `acknowledged after 8 s: ${late}`);
    provoked.add('SaasOperationNearWindow');
  });

  it('SaasOperationTooLate: a decision that comes after Microsoft decided alone', async () => {
    const id = await stack.buyAndActivate({ planId: 'pro', quantity: 1 });
    await seats(id, 42);
    assert.ok(sample(await metrics(), 'saas_operation_acknowledgements_total', { result: 'too_late' }) > 0);
    provoked.add('SaasOperationTooLate');
  });

  it('SaasReconciliationDrift: the marketplace changed a subscription without a webhook', async () => {
    const id = await stack.buyAndActivate({ planId: 'pro', quantity: 1 });
    const theirs = await stack.mp.store.getSubscription(id);
    await stack.mp.store.updateSubscription({ ...theirs!, quantity: 7 });
    const admin = await stack.admin();
    assert.equal((await admin.postJson('/api/admin/reconcile', {})).status, 202);
    await stack.settle();
    const text = await metrics();
    assert.ok(sample(text, 'saas_reconcile_repairs_total') > 0);
    assert.ok(
      Math.abs(sample(text, 'saas_reconcile_last_success_timestamp_seconds') - clock.now().getTime() / 1000) < 5,
      'and the stale check reads the last pass',
    );
    provoked.add('SaasReconciliationDrift').add('SaasReconciliationStale');
  });

  it('SaasUsageHoursAtRisk, then SaasUsageRefused: an hour left unsent until its window closes', async () => {
    const id = await stack.buyAndActivate({ planId: 'pro', quantity: 1 });
    const recorded = await fetch(`${stack.publisherUrl}/api/usage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${APP_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ subscriptionId: id, dimension: 'api_calls', quantity: 5, timestamp: clock.now().toISOString() }),
    });
    assert.equal(recorded.status, 201);
    clock.advance(19 * HOUR);
    assert.ok(sample(await metrics(), 'saas_usage_hours_at_risk') > 0);
    clock.advance(6 * HOUR);
    const admin = await stack.admin();
    assert.equal((await admin.postJson('/api/admin/metering/submit', {})).status, 200);
    assert.ok(sample(await metrics(), 'saas_usage_hours_total', { result: 'expired' }) > 0);
    provoked.add('SaasUsageHoursAtRisk').add('SaasUsageRefused');
  });

  it('SaasCredentialFailing and the certificate alerts: a refused secret, a certificate with 5 days left', async () => {
    const refused = new ClientSecretCredential({
      tenantId: DEV_PUBLISHER.tenantId,
      clientId: DEV_PUBLISHER.clientId,
      clientSecret: 'not the secret',
      authorityHost: stack.mp.url,
    });
    await assert.rejects(refused.getToken());
    const failing = createMetrics(stack.publisher.publisher.store, clock, refused);
    assert.equal(sample(await failing.registry.metrics(), 'saas_credential_ok'), 0);
    const certificate = makeCertificate({ commonName: 'alert test', days: 5 });
    const expiring = createMetrics(
      stack.publisher.publisher.store,
      clock,
      new ClientCertificateCredential({ tenantId: DEV_PUBLISHER.tenantId, clientId: DEV_PUBLISHER.clientId, certificate: certificate.combinedPem }),
    );
    assert.ok(sample(await expiring.registry.metrics(), 'saas_credential_certificate_expiry_seconds') < 7 * 86_400);
    provoked.add('SaasCredentialFailing').add('SaasCertificateExpiringSoon').add('SaasCertificateExpiring');
  });

  it('covers every alert of alerts.yml', () => {
    const rules = parse(readFileSync(path.join(repositoryRoot, 'deploy/prometheus/alerts.yml'), 'utf8')) as { groups: { rules: { alert: string }[] }[] };
    const alerts = rules.groups.flatMap((g) => g.rules.map((r) => r.alert));
    assert.deepEqual(
      alerts.filter((alert) => !provoked.has(alert) && !PROVOKED_ELSEWHERE.includes(alert)),
      [],
    );
  });
});
