// The provisioning endpoint (PROVISIONING_URL) is told of each purchase by a signed POST (Standard
// Webhooks, as the events to the vendor's app are): a receiver can verify the publisher sent it, and an
// unsigned or altered call from anyone else fails that check.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { Webhook } from 'standardwebhooks';
import { loadHooks } from '@saas-fulfillment/publisher';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { until } from '../helpers/wait.js';

const SECRET = `whsec_${Buffer.from('provisioning-secret-of-32-bytes!').toString('base64')}`;

describe('signed provisioning calls', () => {
  const received: { headers: Record<string, string>; body: string }[] = [];
  const receiver = Fastify();
  let stack: TestStack;
  before(async () => {
    receiver.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, body));
    receiver.post('/provision', async (request) => {
      received.push({ headers: request.headers as Record<string, string>, body: request.body as string });
      return {};
    });
    const url = `${await receiver.listen({ host: '127.0.0.1', port: 0 })}/provision`;
    stack = await startTestStack({ publisher: { hooks: await loadHooks({ provisioning: { url, secret: SECRET } }) } });
  });
  after(async () => {
    await stack.close();
    await receiver.close();
  });

  it('signs each call so the endpoint can verify it, and a forged one does not verify', async () => {
    const { subscriptionId } = await stack.mp.purchase({ planId: 'instant', quantity: undefined });
    const call = await until(async () => received.find((r) => r.body.includes(subscriptionId)), 'the provisioning call');
    const verified = new Webhook(SECRET).verify(call.body, call.headers) as { subscriptionId: string; planId: string };
    assert.equal(verified.subscriptionId, subscriptionId);
    assert.equal(verified.planId, 'instant');
    assert.throws(() => new Webhook(SECRET).verify(call.body.replace('instant', 'enterprise'), call.headers), 'an altered body');
    const forger = new Webhook(`whsec_${Buffer.from('not-the-publisher-secret-32bytes').toString('base64')}`);
    const forged = { ...call.headers, 'webhook-signature': forger.sign(call.headers['webhook-id']!, new Date(), call.body) };
    assert.throws(() => new Webhook(SECRET).verify(call.body, forged), 'signed with another secret');
  });
});
