// The contract's table of operations, and the check every emulator answer in the tests goes through.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findOperation, OPERATIONS } from '@saas-fulfillment/contract';
import { assertMatchesContract, ContractViolation } from '../helpers/contract.js';

const subscription = {
  id: '0b5c6ed4-94d5-4d4e-a0a8-0f16c9c2f6a1',
  publisherId: 'contoso',
  offerId: 'contoso-saas',
  name: 'Team',
  saasSubscriptionStatus: 'Subscribed',
  beneficiary: { tenantId: '4f6c5a9d-7c0e-4f43-9e1a-2b3c4d5e6f70' },
  purchaser: { tenantId: '4f6c5a9d-7c0e-4f43-9e1a-2b3c4d5e6f70' },
  planId: 'pro',
  quantity: 5,
  term: { termUnit: 'P1M' },
  autoRenew: true,
  isTest: false,
  isFreeTrial: false,
  allowedCustomerOperations: ['Read', 'Update', 'Delete'],
  sandboxType: 'None',
  sessionMode: 'None',
  created: '2026-01-01T00:00:00.000Z',
};

describe('operation table', () => {
  it('names every operation once, by its official id', () => {
    assert.equal(new Set(OPERATIONS.map((o) => o.id)).size, OPERATIONS.length);
    assert.equal(OPERATIONS.filter((o) => o.api === 'fulfillment').length, 10);
    assert.equal(OPERATIONS.filter((o) => o.api === 'metering').length, 3);
  });

  it('finds an operation from a request path, preferring a literal segment to a parameter', () => {
    assert.equal(findOperation('POST', '/saas/subscriptions/resolve')?.id, 'FulfillmentOperations_Resolve');
    assert.equal(findOperation('POST', `/saas/subscriptions/${subscription.id}/activate`)?.id, 'FulfillmentOperations_ActivateSubscription');
    assert.equal(findOperation('GET', '/saas/subscriptions/')?.id, 'FulfillmentOperations_ListSubscriptions');
    assert.equal(findOperation('PUT', `/saas/subscriptions/${subscription.id}`), undefined);
  });
});

describe('answers checked against the contract', () => {
  const path = `/saas/subscriptions/${subscription.id}`;

  it('accepts a documented status with a conforming body', () => {
    assert.equal(assertMatchesContract('GET', path, 200, subscription), 'FulfillmentOperations_GetSubscription');
    assert.equal(
      assertMatchesContract('GET', path, 404, { code: 'EntityNotFound', message: 'not found', target: 'subscriptionId' }),
      'FulfillmentOperations_GetSubscription',
    );
  });

  it('refuses a status the operation does not document', () => {
    assert.throws(() => assertMatchesContract('GET', path, 409, { code: 'Conflict', message: 'no' }), ContractViolation);
    assert.throws(() => assertMatchesContract('POST', `${path}/activate`, 204, undefined), /does not document/);
  });

  it('refuses a body that does not match, naming the field', () => {
    assert.throws(() => assertMatchesContract('GET', path, 200, { ...subscription, saasSubscriptionStatus: 'Active' }), /saasSubscriptionStatus/);
    assert.throws(() => assertMatchesContract('GET', path, 200, { ...subscription, quantity: 2 ** 31 }), /quantity/);
    assert.throws(() => assertMatchesContract('GET', path, 403, { message: 'no code' }), /code/);
  });

  it('refuses a body where the operation documents none', () => {
    assert.throws(() => assertMatchesContract('POST', `${path}/activate`, 200, { ok: true }), /no body/);
  });

  it('accepts answers given before any operation runs (api-version, size, media type)', () => {
    assert.doesNotThrow(() => assertMatchesContract('GET', path, 400, { code: 'ApiVersionUnspecified', message: 'An API version is required' }));
    assert.doesNotThrow(() => assertMatchesContract('POST', '/saas/subscriptions/resolve', 415, { code: 'UnsupportedMediaType', message: 'json' }));
  });

  it('refuses a path that is no operation', () => {
    assert.throws(() => assertMatchesContract('GET', '/saas/nothing', 200, {}), /not an operation/);
  });
});

describe('answers beyond the spec', () => {
  it('takes a 400 on an operation that declares none only for the api-version', () => {
    const path = '/saas/subscriptions/0b5c6ed4-94d5-4d4e-a0a8-0f16c9c2f6a1';
    assert.throws(() => assertMatchesContract('GET', path, 400, { code: 'BadArgument', message: 'something else' }), /code/);
  });

  it('takes the 400 List gives for a foreign continuationToken, which it documents with a reason', () => {
    assert.match(findOperation('GET', '/saas/subscriptions')?.beyondSpec?.why ?? '', /continuationToken/);
    assert.doesNotThrow(() =>
      assertMatchesContract('GET', '/saas/subscriptions', 400, { code: 'BadArgument', message: 'not ours', target: 'continuationToken' }),
    );
  });
});
