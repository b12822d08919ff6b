// GUIDs from outside compare case-insensitively: Microsoft writes them in lower case, a vendor's settings
// or application may not. A tenant id in upper case in TENANT_API_KEYS, and a subscription id in upper
// case from the application, name the same tenant and subscription (TENANT_ID: webhook-verifier.test.ts).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { APP_API_KEY, startTestStack, type TestStack } from '../helpers/stack.js';

const TENANT = 'abcdefab-7777-4777-8777-77777777abcd';
const TENANT_KEY = 'upper-case-tenant-key-0123456789';

describe('GUIDs written in upper case', () => {
  let stack: TestStack;
  let subscriptionId: string;
  before(async () => {
    stack = await startTestStack({ publisher: { tenantApiKeys: { [TENANT.toUpperCase()]: TENANT_KEY } } });
    subscriptionId = await stack.buyAndActivate({ planId: 'pro', quantity: 1, beneficiary: { tenantId: TENANT, emailId: 'it@tenant.example.com' } });
  });
  after(() => stack.close());

  const report = (key: string, id: string, idempotencyKey: string) =>
    fetch(`${stack.publisherUrl}/api/usage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ subscriptionId: id, dimension: 'api_calls', quantity: 1, timestamp: new Date().toISOString(), idempotencyKey }),
    });

  it('a tenant key set for the tenant id in upper case reports for its subscriptions', async () => {
    assert.equal((await report(TENANT_KEY, subscriptionId, 'tenant-1')).status, 201);
  });

  it('the application may write a subscription id in upper case, in usage and in the entitlement API', async () => {
    assert.equal((await report(APP_API_KEY, subscriptionId.toUpperCase(), 'app-1')).status, 201);
    assert.equal((await report(APP_API_KEY, subscriptionId, 'app-1')).status, 200, 'the same record: a duplicate');
    const headers = { authorization: `Bearer ${APP_API_KEY}` };
    const one = await fetch(`${stack.publisherUrl}/api/entitlements/${subscriptionId.toUpperCase()}`, { headers });
    assert.equal(one.status, 200);
    const byTenant = (await (await fetch(`${stack.publisherUrl}/api/entitlements?tenantId=${TENANT.toUpperCase()}`, { headers })).json()) as {
      entitlements: { subscriptionId: string }[];
    };
    assert.deepEqual(
      byTenant.entitlements.map((e) => e.subscriptionId),
      [subscriptionId],
    );
  });
});
