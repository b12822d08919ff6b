// The admin console's door and data, health and metrics, signed events to the vendor's app, failed jobs
// visible and retried, and two publisher processes sharing one PostgreSQL database.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { Webhook } from 'standardwebhooks';
import { testDialects, testLocation } from '../helpers/databases.js';
import { startPublisher, startTestStack, type TestStack } from '../helpers/stack.js';
import { hiddenFields, WebSession } from '../helpers/web-session.js';
import { until } from '../helpers/wait.js';

type Body = Record<string, unknown>;
const EVENT_SECRET = `whsec_${Buffer.from('a-test-secret-of-32-bytes-length').toString('base64')}`;

describe('admin console, health and events', () => {
  let stack: TestStack;
  let failProvisioning = true;
  const appEvents: { headers: Record<string, string>; body: string }[] = [];
  const app = Fastify();

  before(async () => {
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, body));
    app.post('/events', async (request) => {
      appEvents.push({ headers: request.headers as Record<string, string>, body: request.body as string });
      return {};
    });
    const appUrl = await app.listen({ host: '127.0.0.1', port: 0 });
    stack = await startTestStack({
      hooks: {
        provision: async () => {
          if (failProvisioning) throw new Error('tenant database is not ready');
        },
      },
      // A failed job waits an hour before the worker tries it again: only the console's retry runs it
      // sooner, so the test that retries one from the console never races the worker's own retry.
      publisher: { events: { url: `${appUrl}/events`, secret: EVENT_SECRET }, activationWaitMs: 300, worker: { pollIntervalMs: 50, backoff: () => 3_600_000 } },
      // Publisher-initiated changes wait on Microsoft until the test moves the clock.
      marketplace: { settings: { partnerOperationDelayMs: 60_000 } },
    });
  });
  after(async () => {
    await stack.close();
    await app.close();
  });

  it('is closed without signing in, and refuses a wrong password', async () => {
    const page = await fetch(`${stack.publisherUrl}/admin`, { redirect: 'manual' });
    assert.equal(page.status, 303);
    assert.match(page.headers.get('location') ?? '', /^\/admin\/login/);
    assert.equal((await fetch(`${stack.publisherUrl}/api/admin/subscriptions`)).status, 401);
    const browser = new WebSession(stack.publisherUrl);
    const wrong = await browser.submit('/admin/login', '/admin/login', { password: 'guess' });
    assert.match(wrong.location ?? '', /error=/);
    assert.equal((await browser.get('/api/admin/subscriptions')).status, 401, 'the session the sign-in page opened is not signed in');
    const forged = await fetch(`${stack.publisherUrl}/api/admin/subscriptions`, { headers: { cookie: 'session=made-up-id.made-up-signature' } });
    assert.equal(forged.status, 401, 'an unsigned cookie is not a session');
  });

  it('shows a failed provisioning as a failed activation job, retried from the console', async () => {
    const bought = await stack.mp.purchase({ name: 'Flaky tenant' });
    const buyer = new WebSession(stack.publisherUrl);
    const landing = await buyer.get(bought.landingPageUrl!);
    const confirmed = await buyer.post('/landing/activate', hiddenFields(landing.text, '/landing/activate'));
    const status = `${stack.publisherUrl}${confirmed.location}`;
    // The status page refreshes itself; under load the failure may show a moment after the redirect.
    const result = await until(async () => {
      const text = await (await fetch(status)).text();
      return /could not set up/.test(text) ? text : undefined;
    }, 'the status page to show the failure');
    assert.match(result, /could not set up your account yet/);
    assert.equal(
      ((await stack.mp.api('GET', `/saas/subscriptions/${bought.subscriptionId}`)).body as Body).saasSubscriptionStatus,
      'PendingFulfillmentStart',
      'not activated while provisioning fails',
    );

    const cookie = await stack.adminCookie();
    const jobs = (await (await fetch(`${stack.publisherUrl}/api/admin/jobs`, { headers: { cookie } })).json()) as { jobs: Body[] };
    const job = jobs.jobs.find((j) => j.kind === 'activate' && (j.payload as Body).subscriptionId === bought.subscriptionId)!;
    assert.match(String(job.lastError), /tenant database is not ready/);

    failProvisioning = false;
    const retry = await fetch(`${stack.publisherUrl}/api/admin/jobs/${String(job.id)}/retry`, { method: 'POST', headers: { cookie } });
    assert.equal(retry.status, 202, 'a failed job waiting for its next attempt is run now on request');
    await stack.settle();
    assert.equal(((await stack.mp.api('GET', `/saas/subscriptions/${bought.subscriptionId}`)).body as Body).saasSubscriptionStatus, 'Subscribed');
    // The timeline names the plan by its name, as the rest of the console does.
    const page = await (await fetch(`${stack.publisherUrl}/admin/subscriptions/${bought.subscriptionId}`, { headers: { cookie } })).text();
    assert.match(page, /activated on the Pro plan/);
    assert.doesNotMatch(page, /on plan pro/);
  });

  it('lists, searches, filters and pages subscriptions, and shows one timeline', async () => {
    for (let i = 0; i < 3; i++) await stack.publisher.publisher.fulfillment.projection.sync(await stack.mp.subscribe({ name: `Searchable ${i}` }), 'test');
    const cookie = await stack.adminCookie();
    const get = async (query: string) =>
      (await (await fetch(`${stack.publisherUrl}/api/admin/subscriptions?${query}`, { headers: { cookie } })).json()) as {
        total: number;
        subscriptions: Body[];
      };
    assert.equal((await get('q=searchable')).total, 3);
    assert.equal((await get('q=searchable&status=Suspended')).total, 0);
    const pageOne = await get('q=searchable&page=1');
    assert.equal(pageOne.subscriptions.length, 3);
    const id = String(pageOne.subscriptions[0]!.id);
    const timeline = (await (await fetch(`${stack.publisherUrl}/api/admin/subscriptions/${id}`, { headers: { cookie } })).json()) as { audit: Body[] };
    assert.ok(timeline.audit.length > 0);
    const html = await (await fetch(`${stack.publisherUrl}/admin?q=searchable`, { headers: { cookie } })).text();
    assert.match(html, /Searchable 0/);
    assert.equal((await fetch(`${stack.publisherUrl}/api/admin/subscriptions/00000000-0000-4000-8000-000000000000`, { headers: { cookie } })).status, 404);
  });

  it('sends signed events to the application for every state change', async () => {
    const id = await stack.mp.subscribe();
    // Activated behind the publisher's back: it records the subscription, then provisions it.
    await stack.publisher.publisher.fulfillment.projection.sync(id, 'test');
    await stack.settle();
    await stack.mp.http('POST', `/simulator/subscriptions/${id}/actions`, { body: { action: 'Suspend' } });
    await stack.settle();
    const mine = appEvents.filter((e) => (JSON.parse(e.body) as { data: Body }).data.subscriptionId === id);
    assert.deepEqual(
      mine.map((e) => (JSON.parse(e.body) as Body).type),
      ['subscription.created', 'subscription.activated', 'subscription.suspended'],
    );
    const verifier = new Webhook(EVENT_SECRET);
    for (const event of mine) assert.doesNotThrow(() => verifier.verify(event.body, event.headers));
    assert.throws(() => verifier.verify(mine[0]!.body.replace('created', 'deleted'), mine[0]!.headers));
  });

  it("offers the marketplace's plans for a change, keeps the seats, and shows a requested change as pending", async () => {
    const id = await stack.mp.subscribe({ planId: 'pro', quantity: 6, name: 'Plan picker' });
    await stack.publisher.publisher.fulfillment.projection.sync(id, 'test');
    await stack.settle();
    const admin = await stack.admin();
    const page = async () => (await admin.get(`/admin/subscriptions/${id}`)).text;
    const before = await page();
    assert.match(before, /<strong id="plan-name">Pro<\/strong>/);
    const options = [...before.matchAll(/<option value="([^"]+)">([^<]+)<\/option>/g)].map((m) => `${m[1]}: ${m[2]}`);
    assert.deepEqual(
      options,
      ['basic: Basic (flat price)', 'enterprise: Enterprise (per seat, 10–10000)', 'instant: Instant (flat price)'],
      'the other plans Microsoft offers, with seat limits',
    );
    assert.match(
      before,
      /<input id="new-seats" name="quantity" type="number" value="6" min="1" max="100" required>/,
      'seats start at the current count, within the plan',
    );
    assert.match(before, /<time datetime="[^"]+">\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} UTC<\/time>/, 'times in one readable format');

    const changed = await admin.submit(`/admin/subscriptions/${id}`, `/admin/subscriptions/${id}/change`, { planId: 'enterprise' });
    assert.equal(changed.status, 303);
    const pending = await page();
    assert.match(pending, /id="pending">Plan change to Enterprise: waiting on Microsoft/);
    assert.match(pending, /<meta http-equiv="refresh" content="3">/, 'the page refreshes while the change is pending');
    assert.doesNotMatch(pending, /class="notice error"/, 'pending is not an error');
    assert.match(pending, /id="change-waiting"><strong>Another change is still waiting on Microsoft/);
    assert.equal(
      [...pending.matchAll(/<button class="(?:secondary|danger)" type="submit" disabled>/g)].length,
      3,
      'change plan, change seats and cancel are off meanwhile',
    );
    const jobs = (await (await fetch(`${stack.publisherUrl}/api/admin/jobs`, { headers: { cookie: admin.cookie } })).json()) as { jobs: Body[] };
    assert.ok(
      jobs.jobs.filter((j) => j.kind === 'await-operation').every((j) => j.lastError === undefined),
      'waiting on an operation leaves no error behind',
    );

    await stack.mp.http('POST', '/simulator/clock', { body: { advanceBy: 'PT61S' } });
    const after = await until(async () => {
      await stack.settle();
      const text = await page();
      return /id="pending"/.test(text) ? undefined : text;
    }, 'the plan change to complete');
    assert.doesNotMatch(after, /id="pending"/);
    assert.match(after, /<strong id="plan-name">Enterprise<\/strong>/);
    assert.match(after, /<dd id="seats">10<\/dd>/, "the seats moved into the new plan's limits");
    assert.doesNotMatch(after, /http-equiv="refresh"/);
  });

  it("says whom it talks to, shows zero counts without alarm colours, and answers the browser's icon request", async () => {
    const admin = await stack.admin();
    assert.match(
      (await admin.get('/admin/connection')).text,
      /talks to <strong>a marketplace emulator<\/strong> at <code>http:\/\/127\.0\.0\.1:\d+\/api<\/code>, not to Microsoft/,
    );
    const usage = (await admin.get('/admin/metering')).text;
    assert.match(usage, /<span class="muted">Expired unsent<\/span> <strong>0<\/strong>/);
    assert.doesNotMatch(usage, /class="badge[^"]*"[^>]*>[^<]*<\/span> <strong>0<\/strong>/, 'no coloured badge on a zero');
    const icon = await fetch(`${stack.publisherUrl}/favicon.ico`);
    assert.equal(icon.status, 204);
  });

  it('answers health, readiness and Prometheus metrics', async () => {
    assert.deepEqual(await (await fetch(`${stack.publisherUrl}/healthz`)).json(), { status: 'ok' });
    assert.deepEqual(await (await fetch(`${stack.publisherUrl}/readyz`)).json(), {
      status: 'ready',
      checks: { database: 'ok', migrations: 'ok', worker: 'ok', credential: 'ok' },
    });
    const metrics = await (await fetch(`${stack.publisherUrl}/metrics`)).text();
    assert.match(metrics, /saas_webhooks_total\{action="Suspend",result="accepted"\} \d+/);
    assert.match(metrics, /saas_subscriptions\{status="Subscribed"\} \d+/);
    assert.match(metrics, /saas_credential_ok 1/);
    assert.doesNotMatch(metrics, /saas_credential_certificate_expiry_seconds/, 'no certificate, no expiry gauge (it would read 0 and alert)');
  });
});

const dialects = await testDialects();
describe('two publishers on one PostgreSQL database', { skip: dialects.includes('postgres') ? undefined : 'PostgreSQL is not running here' }, () => {
  it('share the work: every webhook handled exactly once, by one or the other', async () => {
    const location = testLocation('postgres');
    const stack = await startTestStack({ location, publisher: { worker: { pollIntervalMs: 20, batchSize: 2, backoff: () => 100 } } });
    const second = await startPublisher(stack.mp.url, { location, publisher: { worker: { pollIntervalMs: 20, batchSize: 2, backoff: () => 100 } } });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) ids.push(await stack.mp.subscribe());
      for (const id of ids) await stack.mp.http('POST', `/simulator/subscriptions/${id}/actions`, { body: { action: 'Suspend' } });
      await stack.mp.app.marketplace.worker.drain();
      const store = stack.publisher.publisher.store;
      await until(
        async () => {
          const states = await Promise.all(ids.map((id) => store.getSubscription(id)));
          return states.every((s) => s?.status === 'Suspended') ? true : undefined;
        },
        'every subscription suspended',
        10_000,
      );
      for (const id of ids) assert.equal((await store.getSubscription(id))?.status, 'Suspended');
      const jobs = await store.jobs.list({ limit: 500 });
      const webhookJobs = jobs.filter((j) => j.kind === 'webhook');
      assert.equal(webhookJobs.length, 12);
      assert.ok(
        webhookJobs.every((j) => j.status === 'done' && j.attempts === 1),
        'each claimed once',
      );
      const handled = await Promise.all([stack.publisher, second.publisher].map((p) => webhookJobsDone(p.publisher.metrics.registry)));
      assert.equal(handled[0]! + handled[1]!, 12, `handled ${handled.join(' + ')}: no job ran twice`);
    } finally {
      await second.publisher.close();
      await stack.close();
      await location.cleanup();
    }
  });
});

async function webhookJobsDone(registry: import('prom-client').Registry): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === 'saas_jobs_total');
  return (metric?.values ?? []).filter((v) => v.labels.kind === 'webhook' && v.labels.outcome === 'done').reduce((sum, v) => sum + v.value, 0);
}
