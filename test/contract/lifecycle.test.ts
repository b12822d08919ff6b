// The lifecycle table: which action may start from which status, and which wait on the publisher.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canStart, LIFECYCLE } from '@saas-fulfillment/contract';
import { OPERATION_ACTIONS } from '@saas-fulfillment/contract';

describe('lifecycle table', () => {
  it('covers every action of the spec', () => {
    assert.deepEqual(Object.keys(LIFECYCLE).sort(), [...OPERATION_ACTIONS].sort());
  });

  it('allows changes only while Subscribed, reinstatement only while Suspended, and nothing after Unsubscribed', () => {
    assert.ok(canStart('ChangePlan', 'Subscribed') && !canStart('ChangePlan', 'Suspended'));
    assert.ok(canStart('Reinstate', 'Suspended') && !canStart('Reinstate', 'Subscribed'));
    for (const action of OPERATION_ACTIONS) assert.equal(canStart(action, 'Unsubscribed'), false, action);
    assert.equal(LIFECYCLE.Suspend.awaitsPublisher, false);
    assert.equal(LIFECYCLE.ChangeQuantity.awaitsPublisher, true);
  });
});
