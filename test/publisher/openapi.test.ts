// The application contract: the OpenAPI document the publisher serves is the one committed in
// docs/openapi.json, names every application-facing route with its answers and error body, and what the
// publisher really answers and sends (entitlements, usage, signed events) fits it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { describeErrors, validate } from '@saas-fulfillment/contract';
import type { TSchema } from 'typebox';
import { repositoryRoot } from '../helpers/paths.js';
import { routesOf } from '../helpers/routes.js';
import { APP_API_KEY, startTestStack, type TestStack } from '../helpers/stack.js';
import { until } from '../helpers/wait.js';

// biome-ignore lint/suspicious/noExplicitAny: the document is walked as loose JSON; the assertions check its shape
type Json = Record<string, any>;
const EVENT_SECRET = `whsec_${Buffer.from('a-test-secret-of-32-bytes-length').toString('base64')}`;
const committed = JSON.parse(readFileSync(path.join(repositoryRoot, 'docs/openapi.json'), 'utf8')) as Json;

/** The schema the document gives an operation's answer with this status. */
const answerSchema = (doc: Json, route: string, method: string, status: string): TSchema =>
  doc.paths[route][method].responses[status].content['application/json'].schema;

function assertFits(schema: TSchema, value: unknown, what: string): void {
  const errors = validate(schema, value);
  assert.deepEqual(errors, [], `${what} does not fit the document:\n${describeErrors(what, errors)}`);
}

describe('the OpenAPI document of the application API', () => {
  let stack: TestStack;
  let doc: Json;
  const events: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
  const app = Fastify();

  before(async () => {
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, body));
    app.post('/events', async (request) => {
      events.push({ headers: request.headers, body: request.body as string });
      return {};
    });
    const appUrl = await app.listen({ host: '127.0.0.1', port: 0 });
    stack = await startTestStack({ publisher: { events: { url: `${appUrl}/events`, secret: EVENT_SECRET } } });
    const served = await fetch(`${stack.publisherUrl}/openapi.json`);
    assert.equal(served.status, 200);
    doc = (await served.json()) as Json;
  });
  after(async () => {
    await stack.close();
    await app.close();
  });

  it('is the document committed in docs/openapi.json (npm run openapi writes it)', () => {
    assert.deepEqual(doc, committed, 'the routes changed: run `npm run openapi` and commit docs/openapi.json');
    assert.equal(doc.openapi, '3.1.0');
  });

  it('names every route under /api with its operation, security, answers and error body, and nothing else', () => {
    const api = routesOf(stack.publisher).filter((r) => r.path.startsWith('/api/'));
    assert.ok(api.length >= 16, `found ${api.length} routes under /api`);
    const documented = Object.entries(doc.paths as Json).flatMap(([route, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${route}`));
    assert.deepEqual(documented.sort(), api.map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`).sort());
    for (const route of api) {
      const operation = doc.paths[route.path.replace(/:(\w+)/g, '{$1}')][route.method.toLowerCase()] as Json;
      const where = `${route.method} ${route.path}`;
      assert.match(operation.operationId, /^[a-z][A-Za-z]+$/, where);
      assert.ok(operation.summary && operation.security?.length, `${where} has a summary and a security requirement`);
      const statuses = Object.keys(operation.responses);
      assert.ok(
        statuses.some((s) => /^2/.test(s)),
        `${where} documents its success: ${statuses}`,
      );
      for (const failure of ['4XX', '503']) {
        const body = operation.responses[failure]?.content?.['application/json']?.schema as Json | undefined;
        assert.deepEqual(body?.required, ['code', 'message'], `${where} documents its ${failure} error body`);
      }
    }
    assert.ok(
      !Object.keys(doc.paths).some((p) => p.startsWith('/admin') || p === '/webhook' || p.startsWith('/landing')),
      'pages and the webhook are not in it',
    );
  });

  it("fits what the publisher answers: an entitlement, a tenant's entitlements, a usage record", async () => {
    const id = await stack.buyAndActivate({ planId: 'pro', quantity: 3 });
    const auth = { authorization: `Bearer ${APP_API_KEY}` };
    const one = await fetch(`${stack.publisherUrl}/api/entitlements/${id}`, { headers: auth });
    assert.equal(one.status, 200);
    const entitlement = (await one.json()) as Json;
    assertFits(answerSchema(doc, '/api/entitlements/{subscriptionId}', 'get', '200'), entitlement, 'an entitlement');
    const unchanged = await fetch(`${stack.publisherUrl}/api/entitlements/${id}`, { headers: { ...auth, 'if-none-match': one.headers.get('etag') ?? '' } });
    assert.deepEqual(
      [unchanged.status, unchanged.headers.get('content-length'), unchanged.headers.get('content-type'), await unchanged.text()],
      [304, null, null, ''],
      'unchanged: 304 with no body (a Content-Length would make a client wait for one)',
    );
    const tenant = await fetch(`${stack.publisherUrl}/api/entitlements?tenantId=${entitlement.beneficiaryTenantId}`, { headers: auth });
    assertFits(answerSchema(doc, '/api/entitlements', 'get', '200'), await tenant.json(), "a tenant's entitlements");
    const record = { subscriptionId: id, dimension: 'api_calls', quantity: 12.5, timestamp: new Date().toISOString() };
    assertFits(doc.paths['/api/usage'].post.requestBody.content['application/json'].schema, record, 'a usage record');
    const usage = await fetch(`${stack.publisherUrl}/api/usage`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify(record),
    });
    assert.equal(usage.status, 201);
    assertFits(answerSchema(doc, '/api/usage', 'post', '201'), await usage.json(), 'a recorded usage answer');
    const missing = await fetch(`${stack.publisherUrl}/api/entitlements/00000000-0000-4000-8000-000000000000`, { headers: auth });
    assert.equal(missing.status, 404);
    assertFits(answerSchema(doc, '/api/entitlements/{subscriptionId}', 'get', '4XX'), await missing.json(), 'a 404');
  });

  it('describes the signed events as they are sent: headers and body', async () => {
    await until(async () => (events.length > 0 ? true : undefined), 'an event to arrive');
    const webhook = doc.webhooks.subscriptionEvent.post as Json;
    for (const event of events) {
      for (const header of webhook.parameters as { name: string }[]) assert.ok(event.headers[header.name], `${header.name} on the event`);
      assertFits(webhook.requestBody.content['application/json'].schema, JSON.parse(event.body), 'an event');
    }
  });

  it('serves a reference page from its own files under a policy that allows nothing from elsewhere', async () => {
    const page = await fetch(`${stack.publisherUrl}/docs/api/static/index.html`);
    assert.equal(page.status, 200);
    const policy = page.headers.get('content-security-policy') ?? '';
    assert.match(policy, /default-src 'none'/);
    assert.doesNotMatch(policy, /unsafe|https:|\*/);
    assert.doesNotMatch(await page.text(), /<script>|https?:\/\//, 'no inline script, nothing loaded from another site');
  });
});
