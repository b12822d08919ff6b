// A client made from Microsoft's official OpenAPI files alone (saasapi.v2.json, meteringapi.v1.json)
// drives every operation they declare against the emulator, as a client generated from them (AutoRest,
// openapi-fetch) would: each request is checked against the file's parameters and request schema before it
// is sent, each answer's status must be one the file declares for the operation, and its body must match
// the file's schema. Nothing of the project's own contract is used. Like the drift test, it needs the
// files (SPEC_DIR, default ../shared/spec): under CI they must be there; elsewhere it skips.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ajv } from '../../packages/contract/src/validate.js';
import { repositoryRoot as root } from '../helpers/paths.js';
import { startTestMarketplace, TestClock, type TestMarketplace } from '../helpers/marketplace.js';

const SPEC_DIR = path.resolve(root, process.env.SPEC_DIR ?? '../shared/spec');
const FILES = ['saasapi.v2.json', 'meteringapi.v1.json'];

function officialFilesMissing(): string | undefined {
  const missing = FILES.filter((file) => !existsSync(path.join(SPEC_DIR, file)));
  if (missing.length === 0) return undefined;
  const reason = `the official OpenAPI files are not in ${SPEC_DIR} (set SPEC_DIR): ${missing.join(', ')}`;
  if (process.env.CI === 'true') throw new Error(`CI runs the official-client test: ${reason}`);
  return reason;
}

interface Parameter {
  in: 'query' | 'header' | 'path';
  name: string;
  required?: boolean;
  schema?: { $ref?: string };
}
interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: object }> };
  responses: Record<string, { content?: Record<string, { schema?: object }> }>;
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { enum?: string[] }> };
}

type Body = Record<string, unknown>;
interface Request {
  path?: Record<string, string>;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: unknown;
}

describe("a client made from Microsoft's OpenAPI files alone", { skip: officialFilesMissing() }, () => {
  let mp: TestMarketplace;
  let token: string;
  const operations = new Map<string, { file: string; method: string; template: string; operation: Operation; apiVersion: string }>();
  const called = new Set<string>();

  before(async () => {
    for (const file of FILES) {
      const spec = JSON.parse(readFileSync(path.join(SPEC_DIR, file), 'utf8')) as OpenApi;
      ajv.addSchema(spec as object, file);
      const apiVersion = spec.components.schemas.ApiVersion?.enum?.[0] ?? '';
      for (const [template, methods] of Object.entries(spec.paths))
        for (const [method, operation] of Object.entries(methods)) operations.set(operation.operationId, { file, method, template, operation, apiVersion });
    }
    mp = await startTestMarketplace({ clock: new TestClock('2026-04-01T09:30:00.000Z') });
    token = await mp.token();
  });
  after(() => mp?.close());

  /** Schemas are referenced inside their file, so ajv resolves them against it. */
  const inFile = (file: string, schema: object) => JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, `"${file}#/components/`)) as object;

  /** One call, built and checked from the official file only. */
  const call = async (operationId: string, request: Request = {}): Promise<{ status: number; body: unknown }> => {
    const found = operations.get(operationId);
    assert.ok(found, `${operationId} is in the official files`);
    const { file, method, template, operation, apiVersion } = found;
    const url = new URL(`${mp.url}/api${template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(request.path?.[name] ?? ''))}`);
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...request.headers };
    for (const parameter of operation.parameters ?? []) {
      const given =
        parameter.in === 'query'
          ? parameter.name === 'api-version'
            ? apiVersion
            : request.query?.[parameter.name]
          : parameter.in === 'header'
            ? headers[parameter.name]
            : request.path?.[parameter.name];
      if (parameter.required) assert.ok(given, `${operationId}: the file requires ${parameter.in} parameter ${parameter.name}`);
      if (parameter.in === 'query' && given !== undefined) url.searchParams.set(parameter.name, given);
    }
    const requestSchema = operation.requestBody?.content['application/json']?.schema;
    if (operation.requestBody?.required) assert.notEqual(request.body, undefined, `${operationId}: the file requires a body`);
    if (requestSchema && request.body !== undefined) {
      const valid = ajv.validate(inFile(file, requestSchema), request.body);
      assert.ok(valid, `${operationId}: the request body does not match the file: ${ajv.errorsText()}`);
    }
    const response = await fetch(url, { method: method.toUpperCase(), headers, body: request.body === undefined ? undefined : JSON.stringify(request.body) });
    const text = await response.text();
    const body = text ? (JSON.parse(text) as unknown) : undefined;
    const declared = operation.responses[String(response.status)];
    assert.ok(declared, `${operationId} answered ${response.status}, which the file does not declare: ${text.slice(0, 300)}`);
    const responseSchema = declared.content?.['application/json']?.schema;
    if (responseSchema && body !== undefined) {
      const valid = ajv.validate(inFile(file, responseSchema), body);
      assert.ok(valid, `${operationId} ${response.status}: the body does not match the file: ${ajv.errorsText()}`);
    }
    called.add(operationId);
    return { status: response.status, body };
  };

  it('drives every operation of both files, each answered as the file declares', async () => {
    const bought = await mp.purchase({ planId: 'pro', quantity: 4 });
    const id = bought.subscriptionId;
    const resolved = await call('FulfillmentOperations_Resolve', { headers: { 'x-ms-marketplace-token': bought.token } });
    assert.equal((resolved.body as Body).id, id);
    assert.equal(
      (await call('FulfillmentOperations_ActivateSubscription', { path: { subscriptionId: id }, body: { planId: 'pro', quantity: 4 } })).status,
      200,
    );
    assert.equal((await call('FulfillmentOperations_ListSubscriptions')).status, 200);
    assert.equal((await call('FulfillmentOperations_GetSubscription', { path: { subscriptionId: id } })).status, 200);
    assert.equal((await call('FulfillmentOperations_ListAvailablePlans', { path: { subscriptionId: id } })).status, 200);

    // A customer's seat change waits for the publisher: list it, read it, acknowledge it.
    const change = await mp.http('POST', `/simulator/subscriptions/${id}/actions`, { body: { action: 'ChangeQuantity', quantity: 6 } });
    const operationId = (change.body as { operationId: string }).operationId;
    const outstanding = await call('SubscriptionOperations_ListOperations', { path: { subscriptionId: id } });
    assert.ok(((outstanding.body as { operations: Body[] }).operations ?? []).some((o) => o.id === operationId));
    assert.equal((await call('SubscriptionOperations_GetOperationStatus', { path: { subscriptionId: id, operationId } })).status, 200);
    const ack = await call('SubscriptionOperations_UpdateOperationStatus', { path: { subscriptionId: id, operationId }, body: { status: 'Success' } });
    assert.equal(ack.status, 200);
    await mp.app.marketplace.worker.drain();

    const hour = new Date(Date.parse('2026-04-01T08:00:00.000Z')).toISOString();
    const usage = { resourceId: id, planId: 'pro', dimension: 'api_calls', quantity: 42, effectiveStartTime: hour };
    assert.equal((await call('MeteringOperations_PostUsageEvent', { body: usage })).status, 200);
    const batch = await call('MeteringOperations_PostBatchUsageEvent', {
      body: { request: [usage, { ...usage, effectiveStartTime: '2026-04-01T07:00:00.000Z' }] },
    });
    assert.deepEqual(
      (batch.body as { result: Body[] }).result.map((r) => r.status),
      ['Duplicate', 'Accepted'],
    );
    assert.equal((await call('MeteringOperations_GetUsageEvent', { query: { usageStartDate: '2026-04-01' } })).status, 200);

    assert.equal((await call('FulfillmentOperations_UpdateSubscription', { path: { subscriptionId: id }, body: { planId: 'enterprise' } })).status, 202);
    await mp.app.marketplace.worker.drain();
    assert.equal((await call('FulfillmentOperations_DeleteSubscription', { path: { subscriptionId: id } })).status, 202);

    assert.deepEqual([...called].sort(), [...operations.keys()].sort(), 'every operation of the files was driven');
  });
});
