// The console's search is literal on both dialects: `%` and `_` are characters to find, not wildcards
// (SQLite's LIKE has no escape character unless told, so an escaped `%` used to match nothing).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testDialects } from '../helpers/databases.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

for (const dialect of await testDialects()) {
  describe(`console search on ${dialect}`, () => {
    let stack: TestStack;
    let cookie: string;
    before(async () => {
      stack = await startTestStack({ dialect });
      for (const name of ['Spring sale 50%_off', 'Spring sale 500 off', 'Team_A', 'TeamXA']) await stack.mp.subscribe({ planId: 'pro', quantity: 1, name });
      await stack.publisher.publisher.fulfillment.projection.reconcile();
      cookie = await stack.adminCookie();
    });
    after(() => stack.close());

    const found = async (q: string) => {
      const response = await fetch(`${stack.publisherUrl}/api/admin/subscriptions?${new URLSearchParams({ q })}`, { headers: { cookie } });
      const body = (await response.json()) as { subscriptions: { name: string }[] };
      return body.subscriptions.map((s) => s.name).sort();
    };

    it('finds a literal percent sign and underscore, and nothing they would match as wildcards', async () => {
      assert.deepEqual(await found('50%'), ['Spring sale 50%_off']);
      assert.deepEqual(await found('%_'), ['Spring sale 50%_off']);
      assert.deepEqual(await found('team_a'), ['Team_A'], 'case-insensitive, and _ is not any character');
      assert.deepEqual(await found('\\'), [], 'a backslash is a character too');
      assert.deepEqual(await found('spring sale'), ['Spring sale 50%_off', 'Spring sale 500 off']);
    });
  });
}
