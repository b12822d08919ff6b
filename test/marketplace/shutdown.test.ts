// Closing the emulator ends in seconds whatever is in flight: a webhook delivery to a publisher that does
// not answer is called off and left due for the next start (nothing is lost, nothing is counted as an
// attempt), and a request the emulator holds on purpose (a chaos hang) is answered at once.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildMarketplace, Catalog, DEMO_CATALOG, openMarketplaceStore } from '@saas-fulfillment/marketplace';
import { testDialects, testLocation } from '../helpers/databases.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/receiver.js';

const GRACE_MS = 1000;
/** The grace period, the moment a pass gets to let go, and room for a loaded machine: far below the 70 s it once took. */
const CLOSED_WITHIN_MS = GRACE_MS + 4000;

for (const dialect of await testDialects()) {
  describe(`closing the emulator on ${dialect}`, () => {
    let receiver: WebhookReceiver;
    before(async () => {
      receiver = await startWebhookReceiver();
    });
    after(() => receiver.close());

    const start = async (location: ReturnType<typeof testLocation>) => {
      const { store, database } = await openMarketplaceStore({ dataDir: location.dataDir, databaseUrl: location.databaseUrl, schema: location.schema });
      const catalog = structuredClone(DEMO_CATALOG);
      Object.assign(catalog.publishers[0]!, { webhookUrl: receiver.url });
      const app = await buildMarketplace({
        store,
        catalog: Catalog.parse(catalog),
        settings: { pollIntervalMs: 50, webhook: { timeoutMs: 60_000 } },
        closeGraceMs: GRACE_MS,
        onClose: () => database.close(),
      });
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      const call = async (method: string, path: string, body?: unknown) => {
        const response = await fetch(`${url}${path}`, {
          method,
          headers: body === undefined ? {} : { 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return { status: response.status, body: (await response.json().catch(() => undefined)) as Record<string, unknown> };
      };
      return { app, call };
    };

    it('calls off a webhook delivery a publisher holds, closes in seconds, and sends it again after a restart', async () => {
      const location = testLocation(dialect);
      try {
        const { app, call } = await start(location);
        // An auto-activated plan: the purchase sends its Subscribe webhook at once; the receiver holds it for a minute.
        receiver.script.push(10_000 + 60_000);
        const bought = await call('POST', '/simulator/purchases', { offerId: 'contoso-saas', planId: 'instant' });
        assert.equal(bought.status, 201);
        const seen = receiver.received.length;
        await receiver.waitFor(seen + 1);

        const started = performance.now();
        await app.close();
        const took = performance.now() - started;
        assert.ok(took < CLOSED_WITHIN_MS, `closed in ${Math.round(took)} ms`);
        assert.deepEqual(app.marketplace.cutShort(), ['webhook deliveries in flight (left due: they are sent again after a restart)']);

        // Left as it was: still pending, no attempt counted, and sent on the next start.
        const again = await start(location);
        const [delivery] = await again.app.marketplace.store.listDeliveries({ subscriptionId: String(bought.body.subscriptionId), limit: 10 });
        assert.equal(delivery?.status, 'Pending');
        assert.equal(delivery?.attempts, 0);
        await receiver.waitFor(seen + 2);
        assert.equal(receiver.received.at(-1)?.body.subscriptionId, bought.body.subscriptionId);
        await again.app.close();
      } finally {
        await location.cleanup();
      }
    });

    it('answers a request it holds (a chaos hang) at once when it closes, and names nothing cut short', async () => {
      const location = testLocation(dialect);
      try {
        const { app, call } = await start(location);
        assert.equal((await call('PUT', '/simulator/chaos', { seed: 1, api: { rate: 1, kinds: ['hang'], hangMs: 60_000 } })).status, 200);
        // Known to be held once chaos has drawn its fault for it.
        const { chaos } = app.marketplace;
        const draw = chaos.api.bind(chaos);
        const drawn = new Promise<void>((resolve) => {
          chaos.api = () => {
            resolve();
            return draw();
          };
        });
        const held = call('GET', '/api/saas/subscriptions?api-version=2018-08-31');
        await drawn;
        const started = performance.now();
        const [answer] = await Promise.all([held, app.close()]);
        const took = performance.now() - started;
        assert.ok(took < CLOSED_WITHIN_MS, `closed in ${Math.round(took)} ms`);
        assert.equal(answer.status, 503);
        assert.deepEqual(app.marketplace.cutShort(), []);
      } finally {
        await location.cleanup();
      }
    });
  });
}
