// Plan names for the console's lists: learnt from Microsoft's plan lists, including a private plan,
// which the marketplace lists only to the subscriptions of the tenant it is for.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '@saas-fulfillment/contract';
import { PlanDirectory } from '@saas-fulfillment/publisher/internals';
import { startTestStack, type TestStack } from '../helpers/stack.js';

const PARTNER_TENANT = '33333333-3333-4333-8333-333333333333';

describe('plan names', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack();
  });
  after(async () => stack.close());

  it('names a private plan and a public one of the same offer as soon as a list shows them (as after a restart)', async () => {
    const partner = await stack.mp.purchase({
      planId: 'partner-special',
      quantity: undefined,
      beneficiary: { tenantId: PARTNER_TENANT, emailId: 'buyer@partner.example' },
    });
    const basic = await stack.mp.purchase({ planId: 'basic', quantity: undefined });
    const rows = [
      { id: partner.subscriptionId, offerId: 'contoso-saas', planId: 'partner-special' },
      { id: basic.subscriptionId, offerId: 'contoso-saas', planId: 'basic' },
    ];
    const warnings: object[] = [];
    const plans = new PlanDirectory(stack.client, systemClock, { warn: (obj) => warnings.push(obj) });
    assert.equal(plans.nameOf('contoso-saas', 'partner-special'), 'partner-special', 'nothing is known before asking');
    await plans.learn(rows);
    assert.equal(plans.nameOf('contoso-saas', 'partner-special'), 'Partner special (private)');
    assert.equal(plans.nameOf('contoso-saas', 'basic'), 'Basic');
    assert.deepEqual(warnings, []);
  });
});
