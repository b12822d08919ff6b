// What anyone on the internet can make the publisher do without signing in: page views store nothing
// (no session row per view: 10,000 views leave the sessions table as it was), and bogus landing links
// cost Microsoft a bounded number of resolve calls (each token's answer is remembered for a while, each
// address may ask only so many times a minute), while a real buyer elsewhere is still served.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { testLocation } from '../helpers/databases.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { hiddenFields, WebSession } from '../helpers/web-session.js';

describe('anonymous traffic', () => {
  const location = testLocation('sqlite');
  let stack: TestStack;
  let resolves = 0;
  before(async () => {
    stack = await startTestStack({ location, publisher: { landingResolvesPerMinute: 10 } });
    const resolve = stack.client.resolve.bind(stack.client);
    stack.client.resolve = (token: string) => {
      resolves++;
      return resolve(token);
    };
  });
  after(async () => {
    await stack.close();
    await location.cleanup();
  });
  const sessionRows = () => {
    const database = new SQLite(path.join(location.dataDir, 'publisher.sqlite'), { readonly: true });
    try {
      return database.prepare('select count(*) from pub_sessions').pluck().get() as number;
    } finally {
      database.close();
    }
  };
  const view = (url: string, remoteAddress = '198.51.100.1') => stack.publisher.inject({ method: 'GET', url, remoteAddress });

  it('stores no session for 10,000 anonymous page views, and still signs an admin in', async () => {
    const before = sessionRows();
    for (let i = 0; i < 5000; i++) {
      const [login, landing] = await Promise.all([view('/admin/login'), view(`/landing?token=view-${i % 3}`, `198.51.100.${2 + (i % 200)}`)]);
      assert.equal(login.statusCode, 200);
      assert.ok(landing.statusCode < 500, `landing answered ${landing.statusCode}`);
    }
    assert.equal(sessionRows(), before);
    // The login form's token, made for nobody, still signs in; only then is a session stored.
    const admin = await stack.admin();
    assert.match((await admin.get('/admin')).text, /Subscriptions/);
    assert.equal(sessionRows(), before + 1);
  });

  it('resolves a flood of bogus links a bounded number of times, and still serves a real buyer', async () => {
    resolves = 0;
    const answers = await Promise.all(Array.from({ length: 120 }, (_, i) => view(`/landing?token=bogus-${i % 100}`, '203.0.113.9')));
    assert.ok(resolves <= 10, `${resolves} resolve calls for 120 views from one address`);
    const throttled = answers.filter((answer) => answer.statusCode === 429);
    assert.ok(throttled.length > 0);
    assert.ok(Number(throttled[0]?.headers['retry-after']) > 0);
    assert.match(throttled[0]?.body ?? '', /Reload this page in a minute/);

    resolves = 0;
    for (let i = 0; i < 30; i++) await view('/landing?token=the-same-bogus-link', `203.0.113.${20 + i}`);
    assert.equal(resolves, 1, 'one refusal remembered for every address');

    const bought = await stack.mp.purchase({ planId: 'pro', quantity: 2 });
    const buyer = new WebSession(stack.publisherUrl);
    const landing = await buyer.get(bought.landingPageUrl);
    assert.match(landing.text, /Confirm your purchase/);
    assert.ok(hiddenFields(landing.text, '/landing/activate').form);
  });
});
