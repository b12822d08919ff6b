// The webhook receiver under attack and under disorder: forged, expired, wrong-audience, wrong-tenant and
// unsigned tokens are refused with 401 and store nothing; duplicates are absorbed; late and reordered
// deliveries never move state backwards; a missed webhook is repaired by reconciliation.
import assert from 'node:assert/strict';
import { generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey } from 'jose';
import { after, before, beforeEach, describe, it } from 'node:test';
import Fastify from 'fastify';
import { MARKETPLACE_RESOURCE_ID } from '@saas-fulfillment/contract';
import { testDialects } from '../helpers/databases.js';
import { DEV_PUBLISHER } from '../helpers/marketplace.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

type Body = Record<string, unknown>;

/** Where the emulator sends webhooks: passed on to the publisher, or held back to be replayed later. */
async function startRelay() {
  const held: { body: Body; authorization: string }[] = [];
  let target = '';
  let holding = false;
  const app = Fastify();
  app.post('/webhook', async (request, reply) => {
    const delivery = { body: request.body as Body, authorization: request.headers.authorization ?? '' };
    if (holding) {
      held.push(delivery);
      return reply.status(200).send({});
    }
    const response = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: delivery.authorization },
      body: JSON.stringify(delivery.body),
    });
    return reply.status(response.status).send(await response.text());
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url: `${url}/webhook`,
    held,
    setTarget: (t: string) => {
      target = t;
    },
    hold: (on: boolean) => {
      holding = on;
    },
    close: () => app.close(),
  };
}

for (const dialect of await testDialects())
  describe(`publisher webhook receiver on ${dialect}`, () => {
    let stack: TestStack;
    let relay: Awaited<ReturnType<typeof startRelay>>;

    before(async () => {
      relay = await startRelay();
      stack = await startTestStack({ dialect, marketplace: { publisher: { webhookUrl: relay.url } } });
      relay.setTarget(`${stack.publisherUrl}/webhook`);
    });
    after(async () => {
      await stack.close();
      await relay.close();
    });
    beforeEach(() => {
      relay.hold(false);
      relay.held.length = 0;
    });

    const store = () => stack.publisher.publisher.store;
    const subscribe = async () => {
      const id = await stack.mp.subscribe();
      await stack.publisher.publisher.fulfillment.projection.sync(id, 'test setup');
      return id;
    };
    const post = (body: Body, token: string) =>
      fetch(`${stack.publisherUrl}/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });

    /** A webhook token as the emulator signs them, with one thing changed. */
    const token = async (change: { aud?: string; tid?: string; azp?: string; iss?: string; exp?: number; key?: CryptoKey } = {}) => {
      const key = await stack.mp.app.marketplace.key;
      const tid = change.tid ?? DEV_PUBLISHER.tenantId;
      const now = Math.floor(Date.now() / 1000);
      const exp = change.exp ?? now + 3600;
      return new SignJWT({ tid, azp: change.azp ?? MARKETPLACE_RESOURCE_ID })
        .setProtectedHeader({ alg: 'RS256', kid: key.kid })
        .setIssuer(change.iss ?? `${stack.mp.url}/${tid}/v2.0`)
        .setAudience(change.aud ?? DEV_PUBLISHER.clientId)
        .setIssuedAt(Math.min(now, exp - 60))
        .setExpirationTime(exp)
        .sign(change.key ?? key.privateKey);
    };

    const sampleBody = (subscriptionId: string): Body => ({
      id: crypto.randomUUID(),
      activityId: crypto.randomUUID(),
      subscriptionId,
      action: 'Suspend',
      status: 'Succeeded',
      timeStamp: new Date().toISOString(),
      publisherId: 'contoso',
      offerId: 'contoso-saas',
      planId: 'pro',
    });

    it("labels its metrics with known actions only: a sender's made-up action is 'other'", async () => {
      const id = await subscribe();
      const invented = `Invented${crypto.randomUUID().slice(0, 8)}`;
      assert.equal((await post({ ...sampleBody(id), action: invented }, await token())).status, 200);
      const metrics = await (await fetch(`${stack.publisherUrl}/metrics`)).text();
      assert.match(metrics, /saas_webhooks_total\{action="other",result="accepted"\} \d+/);
      assert.ok(!metrics.includes(invented), 'the value from the body is not a label');
    });

    describe('refuses bad tokens with 401 and stores nothing', () => {
      const refused = (name: string, make: () => Promise<string>) =>
        it(name, async () => {
          const id = await subscribe();
          const body = sampleBody(id);
          const response = await post(body, await make());
          assert.equal(response.status, 401);
          assert.deepEqual(await store().inboxOf(id), []);
          assert.equal(await store().getOperation(String(body.id)), undefined);
        });

      it('accepts a well-made token (each case below changes one thing)', async () => {
        const id = await subscribe();
        assert.equal((await post(sampleBody(id), await token())).status, 200);
      });
      refused('a token signed by another key', async () => token({ key: (await generateKeyPair('RS256')).privateKey }));
      refused('an expired token', () => token({ exp: Math.floor(Date.now() / 1000) - 120 }));
      refused('a token for another audience', () => token({ aud: '99999999-9999-4999-8999-999999999999' }));
      refused('a token for another tenant', () => token({ tid: '44444444-4444-4444-8444-444444444444' }));
      refused('a token from another caller than the marketplace', () => token({ azp: DEV_PUBLISHER.clientId }));
      refused('a token from another issuer', () => token({ iss: `https://login.example.com/${DEV_PUBLISHER.tenantId}/v2.0` }));
      refused('an unsigned token (alg none)', async () =>
        new UnsecuredJWT({ tid: DEV_PUBLISHER.tenantId, azp: MARKETPLACE_RESOURCE_ID })
          .setIssuer(`${stack.mp.url}/${DEV_PUBLISHER.tenantId}/v2.0`)
          .setAudience(DEV_PUBLISHER.clientId)
          .setIssuedAt()
          .setExpirationTime('1h')
          .encode(),
      );
      refused('no token at all', async () => '');
    });

    it('answers 400 naming the field for a body without an operation id, and keeps unknown fields and actions', async () => {
      const id = await subscribe();
      const bad = await post({ subscriptionId: id, action: 'Suspend' }, await token());
      assert.equal(bad.status, 400);
      assert.equal(((await bad.json()) as Body).target, 'id');
      const future = { ...sampleBody(id), action: 'Subscribe', brandNewField: { x: 1 } };
      assert.equal((await post(future, await token())).status, 200);
      const inbox = await store().inboxOf(id);
      assert.equal(inbox.at(-1)?.action, 'Subscribe');
    });

    it('does not act on a webhook that Get Operation does not confirm', async () => {
      const id = await subscribe();
      const forged = sampleBody(id);
      assert.equal((await post(forged, await token())).status, 200);
      await stack.settle();
      assert.equal((await store().getSubscription(id))!.status, 'Subscribed');
      assert.equal((await store().getOperation(String(forged.id)))?.outcome, 'ignored');
    });

    it('absorbs duplicate deliveries: one job, one change', async () => {
      const id = await subscribe();
      relay.hold(true);
      await stack.mp.http('POST', `/simulator/subscriptions/${id}/actions`, { body: { action: 'Suspend' } });
      await stack.mp.app.marketplace.worker.drain();
      const [delivery] = relay.held;
      assert.ok(delivery);
      for (let i = 0; i < 3; i++) {
        const response = await post(delivery.body, delivery.authorization.replace(/^Bearer /, ''));
        assert.equal(response.status, 200);
        assert.equal(((await response.json()) as Body).duplicate, i > 0);
      }
      await stack.settle();
      assert.deepEqual(
        (await store().inboxOf(id)).map((w) => w.deliveries),
        [3],
      );
      assert.equal((await store().jobs.list({ subscriptionId: id, limit: 10 })).filter((j) => j.kind === 'webhook').length, 1);
      const changes = (await store().auditOf({ subscriptionId: id, limit: 20 })).filter((a) => a.detail.includes('Suspended'));
      assert.equal(changes.length, 1);
    });

    it('counts a repeat inside one written batch as one more delivery, and only the first notice as new', async () => {
      const receipt = (operationId: string) => ({ operationId, subscriptionId: 'sub-batch', action: 'Suspend', payload: '{}' });
      const [a, b] = [crypto.randomUUID(), crypto.randomUUID()];
      const at = new Date().toISOString();
      assert.deepEqual(await store().recordWebhooks([receipt(a), receipt(a), receipt(b), receipt(a)], at), [true, false, true, false]);
      assert.deepEqual(await store().recordWebhooks([receipt(b), receipt(a)], at), [false, false], 'both already stored');
      const deliveries = Object.fromEntries((await store().inboxOf('sub-batch')).map((w) => [w.operationId, w.deliveries]));
      assert.deepEqual(deliveries, { [a]: 4, [b]: 2 });
    });

    it('absorbs duplicates that arrive at the same moment: one first delivery, one job each', async () => {
      const ids = [await subscribe(), await subscribe()];
      const bodies = ids.map(sampleBody);
      const bearer = await token();
      // Five copies of the first webhook and two of the second, all in flight together.
      const sends = [0, 0, 1, 0, 0, 1, 0].map((i) => bodies[i] as Body);
      const answers = await Promise.all(sends.map(async (body) => ((await (await post(body, bearer)).json()) as Body).duplicate));
      for (const [i, body] of bodies.entries()) {
        const firsts = answers.filter((duplicate, k) => sends[k] === body && duplicate === false);
        assert.equal(firsts.length, 1, `exactly one delivery of webhook ${i} is its first`);
      }
      await stack.settle();
      for (const [i, id] of ids.entries()) {
        assert.deepEqual(
          (await store().inboxOf(id)).map((w) => w.deliveries),
          [i === 0 ? 5 : 2],
        );
        assert.equal((await store().jobs.list({ subscriptionId: id, limit: 10 })).filter((j) => j.kind === 'webhook').length, 1);
      }
    });

    it('never moves state backwards when deliveries arrive late and out of order', async () => {
      const id = await subscribe();
      relay.hold(true);
      for (const action of ['Suspend', 'Reinstate']) {
        const r = await stack.mp.http('POST', `/simulator/subscriptions/${id}/actions`, { body: { action } });
        await stack.mp.app.marketplace.worker.drain();
        if (action === 'Reinstate') {
          const op = (r.body as { operationId: string }).operationId;
          await stack.mp.api('PATCH', `/saas/subscriptions/${id}/operations/${op}`, { body: { status: 'Success' } });
        }
      }
      await stack.mp.http('POST', `/simulator/subscriptions/${id}/actions`, { body: { action: 'ChangeQuantity', quantity: 9 } });
      await stack.mp.app.marketplace.worker.drain();
      assert.equal(relay.held.length, 3);
      // Newest first: the reinstatement and the seat change arrive before the suspension they follow.
      for (const delivery of [...relay.held].reverse()) {
        assert.equal((await post(delivery.body, delivery.authorization.replace(/^Bearer /, ''))).status, 200);
        await stack.settle();
      }
      const mine = (await store().getSubscription(id))!;
      const theirs = (await stack.mp.api('GET', `/saas/subscriptions/${id}`)).body as Body;
      assert.equal(mine.status, 'Subscribed');
      assert.equal(mine.status, theirs.saasSubscriptionStatus);
      assert.equal(mine.quantity, theirs.quantity);
    });

    it('repairs a missed webhook by reconciliation, and records the repair', async () => {
      const id = await subscribe();
      relay.hold(true);
      await stack.mp.http('POST', `/simulator/subscriptions/${id}/actions`, { body: { action: 'Suspend' } });
      await stack.mp.app.marketplace.worker.drain();
      assert.equal((await store().getSubscription(id))!.status, 'Subscribed', 'the publisher missed it');
      const cookie = await stack.adminCookie();
      const queued = await fetch(`${stack.publisherUrl}/api/admin/reconcile`, { method: 'POST', headers: { cookie } });
      assert.equal(queued.status, 202);
      await stack.settle();
      assert.equal((await store().getSubscription(id))!.status, 'Suspended');
      const repairs = (await (await fetch(`${stack.publisherUrl}/api/admin/drift`, { headers: { cookie } })).json()) as { repairs: Body[] };
      assert.ok(repairs.repairs.some((r) => r.subscriptionId === id && /status: Subscribed → Suspended/.test(String(r.detail))));
    });

    it('takes in a Reinstate whose webhook never came, so a customer who paid does not stay suspended', async () => {
      const id = await subscribe();
      await stack.mp.http('POST', `/simulator/subscriptions/${id}/actions`, { body: { action: 'Suspend' } });
      await stack.settle();
      relay.hold(true);
      await stack.mp.http('POST', `/simulator/subscriptions/${id}/actions`, { body: { action: 'Reinstate' } });
      await stack.mp.app.marketplace.worker.drain();
      relay.hold(false);
      const waiting = (await stack.mp.api('GET', `/saas/subscriptions/${id}/operations`)).body as { operations: Body[] };
      assert.equal(waiting.operations[0]?.action, 'Reinstate', 'the marketplace waits on the publisher');
      const result = await stack.publisher.publisher.fulfillment.reconcile();
      assert.equal(result.adopted, 1);
      await stack.settle();
      assert.equal(((await stack.mp.api('GET', `/saas/subscriptions/${id}`)).body as Body).saasSubscriptionStatus, 'Subscribed');
      assert.equal((await store().getSubscription(id))!.status, 'Subscribed');
      assert.equal((await stack.publisher.publisher.fulfillment.reconcile()).adopted, 0, 'taken in once');
    });
  });
