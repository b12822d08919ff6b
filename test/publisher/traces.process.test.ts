// Traces across the hops of one plan change, over OTLP to a receiver in this process, across a SIGKILL:
// the publisher's command takes the webhook (a request span), queues its job with the trace context, and
// is killed while the vendor's decision hook hangs; restarted on the same data, the job runs again and its
// spans (the job, Get Operation, the hook, the PATCH) join the webhook's trace, linked to the webhook's
// span. Every log line written inside the trace carries its id; no span holds a token.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startCli, type CliProcess } from '../helpers/cli.js';
import { DEV_PUBLISHER, startTestMarketplace, type TestMarketplace } from '../helpers/marketplace.js';
import { until } from '../helpers/wait.js';

interface Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: { key: string; value: Record<string, unknown> }[];
  links?: { traceId: string; spanId: string }[];
}

/** An OTLP/HTTP (JSON) trace receiver: every span it is sent, with its service's name. */
async function startReceiver(): Promise<{ url: string; spans: (Span & { service: string })[]; close(): Promise<void> }> {
  const spans: (Span & { service: string })[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const payload = JSON.parse(body) as {
        resourceSpans: { resource: { attributes: Span['attributes'] }; scopeSpans: { spans: Span[] }[] }[];
      };
      for (const resource of payload.resourceSpans) {
        const service = String(resource.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue);
        for (const scope of resource.scopeSpans) for (const span of scope.spans) spans.push({ ...span, service });
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const attribute = (span: Span, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value ? Object.values(value)[0] : undefined;
};

describe('traces of a plan change, across a kill -9', () => {
  let mp: TestMarketplace;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let dataDir: string;
  const processes: CliProcess[] = [];

  before(async () => {
    receiver = await startReceiver();
    // The change waits on the publisher for two minutes here (10 s at Microsoft): long enough for the restart.
    mp = await startTestMarketplace({ settings: { acknowledgeWindowMs: 120_000 } });
    dataDir = mkdtempSync(path.join(tmpdir(), 'saas-traces-'));
    // The vendor's decision hook: it hangs while the file `hang` exists.
    writeFileSync(
      path.join(dataDir, 'hooks.mjs'),
      `import { existsSync } from 'node:fs';
export async function decide() {
  if (existsSync(${JSON.stringify(path.join(dataDir, 'hang'))})) await new Promise(() => {});
  return { accept: true };
}
`,
    );
  });
  after(async () => {
    await Promise.all(processes.map((p) => p.kill('SIGKILL')));
    await mp.close();
    await receiver.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = async () => {
    const cli = startCli(['publisher', '--marketplace-url', mp.url, '--port', '0', '--data-dir', dataDir, '--hooks', path.join(dataDir, 'hooks.mjs')], {
      ADMIN_PASSWORD: 'traces test admin password',
      APP_API_KEY: 'traces-test-app-key-0123456789',
      LOG_LEVEL: 'debug',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      RECONCILE_INTERVAL: 'PT0S',
    });
    processes.push(cli);
    const [, url = ''] = await cli.waitFor(/Publisher service\s+(http:\/\/\S+)/);
    const { catalog, endpoints } = mp.app.marketplace;
    await endpoints.update(catalog.requirePublisher(DEV_PUBLISHER.publisherId), { webhookUrl: `${url}/webhook` });
    return { cli, url };
  };

  it('puts the webhook, its job (run again after the restart), Get Operation, the hook and the PATCH in one trace', async () => {
    const id = await mp.subscribe({ planId: 'pro', quantity: 2 });
    writeFileSync(path.join(dataDir, 'hang'), '');
    const first = await start();
    const change = await mp.http('POST', `/simulator/subscriptions/${id}/actions`, { body: { action: 'ChangePlan', planId: 'enterprise' } });
    const operationId = (change.body as { operationId: string }).operationId;
    // The webhook is in, its job has read the operation and waits on the hung hook.
    const webhook = await until(
      async () => receiver.spans.find((s) => s.service === 'saas-fulfillment-publisher' && /webhook/.test(String(attribute(s, 'http.route') ?? s.name))),
      'the webhook request span',
    );
    await until(async () => receiver.spans.find((s) => s.name === 'marketplace getOperation' && s.traceId === webhook.traceId), 'Get Operation in the trace');
    assert.equal(await first.cli.kill('SIGKILL'), null);

    rmSync(path.join(dataDir, 'hang'));
    const second = await start();
    const job = await until(
      async () => receiver.spans.find((s) => s.name === 'job webhook' && s.traceId === webhook.traceId && attribute(s, 'saas.job.outcome') !== undefined),
      'the job, run again after the restart, in the same trace',
      40_000,
    );
    const trace = receiver.spans.filter((s) => s.traceId === webhook.traceId);
    const names = new Set(trace.map((s) => s.name));
    for (const name of ['marketplace getOperation', 'hook decide', 'marketplace updateOperation'])
      assert.ok(names.has(name), `${name} in ${[...names].join(', ')}`);
    assert.ok(
      job.links?.some((l) => l.traceId === webhook.traceId),
      'the job is linked to the span that queued it',
    );
    const getOperation = trace.filter((s) => s.name === 'marketplace getOperation');
    assert.ok(getOperation.every((s) => attribute(s, 'saas.operation_id') === operationId && attribute(s, 'saas.subscription_id') === id));
    assert.doesNotMatch(JSON.stringify(trace), /Bearer|eyJ[\w-]{10,}/, 'no token in any span');

    // Log lines written inside the trace carry its id.
    const lines = second.cli
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.ok(
      lines.some((line) => line.trace_id === webhook.traceId && line.msg === 'marketplace call'),
      'the job’s log lines name the trace',
    );
    await second.cli.kill();
  });

  it('keeps no query secret in a span: not a landing token, a sign-in code or state, nor a status ticket (N2)', async () => {
    const { cli, url } = await start();
    const secrets = ['landing-token-SECRET-1', 'sign-in-code-SECRET-2', 'sign-in-state-SECRET-3', 'status-ticket-SECRET-4'];
    for (const path of [`/landing?token=${secrets[0]}`, `/auth/callback?code=${secrets[1]}&state=${secrets[2]}`, `/landing/status?ticket=${secrets[3]}`])
      await fetch(`${url}${path}`, { redirect: 'manual' });
    const traced = (path: string) =>
      receiver.spans.find((s) => s.service === 'saas-fulfillment-publisher' && String(attribute(s, 'url.path')).split('?')[0] === path);
    await until(async () => traced('/landing') && traced('/auth/callback') && traced('/landing/status'), 'the three request spans');
    // The landing page resolved the token with Microsoft: the call out is traced too, with its token nowhere.
    const everything = JSON.stringify(receiver.spans);
    for (const secret of secrets) assert.ok(!everything.includes(secret), `a span holds ${secret}`);
    await cli.kill();
  });
});
