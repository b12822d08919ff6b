// What a test suite feels of the emulator, in the built package as a suite imports it (run by start.ts in
// a process of its own): startMarketplace() to ready (the first in a process, then each later one), reset()
// with 1,000 subscriptions made (to a seed of four) and to a seed of 1,000, and whole scenarios (purchase, resolve, activate, a plan change the
// customer makes, its webhook received by the publisher, acknowledged, applied) one after another.
import { once } from 'node:events';
import { createServer } from 'node:http';
import { startMarketplace } from '@saas-fulfillment/marketplace/testing';

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const p99 = (values) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * 0.99))];

async function timed(work) {
  const started = performance.now();
  const result = await work();
  return [performance.now() - started, result];
}

const [firstStart, first] = await timed(() => startMarketplace());
await first.close();
const starts = [];
for (let i = 0; i < 20; i++) {
  const [ms, marketplace] = await timed(() => startMarketplace());
  starts.push(ms);
  await marketplace.close();
}

const thousand = {
  subscriptions: Array.from({ length: 1000 }, (_, i) => ({
    offerId: 'contoso-saas',
    planId: 'pro',
    quantity: 1 + (i % 50),
    status: i % 3 === 0 ? 'PendingFulfillmentStart' : 'Subscribed',
    ...(i % 3 === 0 ? {} : { termStartedDaysAgo: i % 25 }),
  })),
};
const small = { subscriptions: thousand.subscriptions.slice(0, 4) };

// A suite's emulator after its tests made 1,000 subscriptions, back to a seed of four.
const busy = await startMarketplace({ seed: thousand });
const madeByTests = await busy.simulator.exportState();
await busy.close();
const suite = await startMarketplace({ seed: small });
const resets = [];
for (let i = 0; i < 30; i++) {
  await suite.simulator.importState(madeByTests);
  const [ms] = await timed(() => suite.reset());
  resets.push(ms);
}
await suite.close();

// A seed of 1,000 subscriptions, after a test bought one more.
const seeded = await startMarketplace({ seed: thousand });
const seedResets = [];
for (let i = 0; i < 30; i++) {
  await seeded.simulator.purchase({ offerId: 'contoso-saas', planId: 'basic' });
  const [ms] = await timed(() => seeded.reset());
  seedResets.push(ms);
}
await seeded.close();

// The publisher's webhook: each plan change's notice is handed to the scenario waiting for it.
const waiting = new Map();
const receiver = createServer((request, response) => {
  let body = '';
  request.on('data', (chunk) => (body += chunk));
  request.on('end', () => {
    response.end();
    const notice = JSON.parse(body);
    waiting.get(notice.subscriptionId)?.(notice);
  });
}).listen(0, '127.0.0.1');
await once(receiver, 'listening');
const marketplace = await startMarketplace({ settings: { partnerOperationDelayMs: 0 } });
await marketplace.simulator.setEndpoints('contoso', { webhookUrl: `http://127.0.0.1:${receiver.address().port}/webhook` });

async function scenario() {
  const { subscriptionId, token } = await marketplace.simulator.purchase({ offerId: 'contoso-saas', planId: 'pro', quantity: 3 });
  const resolved = await marketplace.client.resolve(token);
  await marketplace.client.activate(subscriptionId, { planId: resolved.planId, quantity: resolved.quantity });
  const heard = new Promise((resolve) => waiting.set(subscriptionId, resolve));
  await marketplace.simulator.act(subscriptionId, { action: 'ChangePlan', planId: 'enterprise' });
  const notice = await heard;
  waiting.delete(subscriptionId);
  await marketplace.client.updateOperation(subscriptionId, notice.id, { planId: notice.planId, quantity: notice.quantity, status: 'Success' });
  const applied = await marketplace.client.getSubscription(subscriptionId);
  if (applied.planId !== 'enterprise') throw new Error(`the plan change was not applied: ${applied.planId}`);
}

for (let i = 0; i < 20; i++) await scenario(); // warm-up
const durations = [];
const windowStarted = performance.now();
while (performance.now() - windowStarted < Number(process.env.SCENARIO_SECONDS ?? 5) * 1000) {
  const [ms] = await timed(scenario);
  durations.push(ms);
}
const elapsed = (performance.now() - windowStarted) / 1000;
await marketplace.close();
receiver.close();

process.stdout.write(
  `${JSON.stringify({
    firstStartMs: firstStart,
    laterStartMs: median(starts),
    resetMs: median(resets),
    resetToLargeSeedMs: median(seedResets),
    scenariosPerSecond: durations.length / elapsed,
    scenarioP99Ms: p99(durations),
  })}\n`,
);
