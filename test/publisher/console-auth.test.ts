// Attacks on the console's sign-in, each as it was found to work, and what stops it now: parallel
// guesses past the brake, one user's guesses locking out everyone behind a proxy, sessions that outlive
// signing out or a changed password, and sign-in links that lead off the site.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { localPath } from '@saas-fulfillment/web';
import { capturingLogger } from '../helpers/logs.js';
import { ADMIN_PASSWORD, startPublisher, startTestStack, type TestStack } from '../helpers/stack.js';
import { testLocation } from '../helpers/databases.js';
import { hiddenFields, WebSession } from '../helpers/web-session.js';
import { addressKey } from '@saas-fulfillment/publisher/internals';

/** A client that opened the sign-in page (so it holds a session and the form's token) and can post it. */
async function signInForm(url: string) {
  const browser = new WebSession(url);
  const fields = hiddenFields((await browser.get('/admin/login')).text, '/admin/login');
  return {
    browser,
    attempt: (password: string, headers: Record<string, string> = {}) => browser.post('/admin/login', { ...fields, password }, headers),
  };
}

async function loginCounts(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const match of text.matchAll(/^saas_console_logins_total\{result="(\w+)"\} (\d+)/gm)) counts[match[1]!] = Number(match[2]);
  return counts;
}

describe('console sign-in under attack', () => {
  let stack: TestStack;
  let captured: ReturnType<typeof capturingLogger>;
  before(async () => {
    captured = capturingLogger();
    stack = await startTestStack({ publisher: { logger: captured.logger } });
  });
  after(() => stack.close());

  it('counts parallel guesses as they arrive: 40 at once from one address, at most 10 are tried, and then even the right password waits', async () => {
    const url = stack.publisherUrl;
    const { attempt } = await signInForm(url);
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => attempt(`wrong guess ${i}`)));
    const statuses = answers.map((a) => a.status);
    assert.equal(statuses.filter((s) => s === 303).length, 10, `answers: ${statuses.join(' ')}`);
    assert.equal(statuses.filter((s) => s === 429).length, 30);
    assert.match(answers.find((a) => a.status === 429)!.text, /Too many sign-in attempts from this address/);

    const right = await attempt(ADMIN_PASSWORD);
    assert.equal(right.status, 429, 'the brake holds for the right password too');
    assert.equal(right.location, null);

    const counts = await loginCounts(url);
    assert.equal(counts.refused, 10);
    assert.equal(counts.braked, 31);
    const logged = captured.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'console sign-in refused: wrong password');
    assert.equal(logged.length, 10, 'each wrong password is logged');
    assert.ok(
      logged.every((l) => l.ip === '127.0.0.1' && !JSON.stringify(l).includes('wrong guess')),
      'with the address, never the password',
    );
  });
});

describe('console sign-in behind a proxy', () => {
  it('without TRUST_PROXY a forged X-Forwarded-For changes nothing; with the proxy trusted, one client braked leaves the others free', async () => {
    const plain = await startTestStack();
    try {
      const { attempt } = await signInForm(plain.publisherUrl);
      for (let i = 0; i < 10; i++) await attempt('nope', { 'x-forwarded-for': `203.0.113.${i}` });
      const forged = await attempt(ADMIN_PASSWORD, { 'x-forwarded-for': '198.51.100.7' });
      assert.equal(forged.status, 429, 'an untrusted header does not buy a fresh brake');
    } finally {
      await plain.close();
    }

    const proxied = await startTestStack({ publisher: { trustProxy: '127.0.0.1' } });
    try {
      const guesser = { 'x-forwarded-for': '203.0.113.50' };
      const attacker = await signInForm(proxied.publisherUrl);
      for (let i = 0; i < 11; i++) await attacker.attempt('nope', guesser);
      assert.equal((await attacker.attempt(ADMIN_PASSWORD, guesser)).status, 429);
      const colleague = await (await signInForm(proxied.publisherUrl)).attempt(ADMIN_PASSWORD, { 'x-forwarded-for': '198.51.100.7' });
      assert.equal(colleague.status, 303, 'another user behind the same proxy still signs in');
      assert.equal(colleague.location, '/admin');
    } finally {
      await proxied.close();
    }
  });

  it('guesses spread over many addresses are slowed, never locked: the right password still signs in', async () => {
    const stack = await startTestStack({ publisher: { trustProxy: true } });
    try {
      const { attempt } = await signInForm(stack.publisherUrl);
      const statuses = await Promise.all(Array.from({ length: 70 }, (_, i) => attempt('nope', { 'x-forwarded-for': `203.0.113.${i}` }).then((a) => a.status)));
      assert.equal(statuses.filter((s) => s === 303).length, 70, `every guess was tried: ${statuses.join(' ')}`);
      assert.equal((await loginCounts(stack.publisherUrl)).slowed, 10, 'the ten past the account limit were slowed');
      const admin = await (await signInForm(stack.publisherUrl)).attempt(ADMIN_PASSWORD, { 'x-forwarded-for': '198.51.100.1' });
      assert.equal(admin.status, 303);
      assert.equal(admin.location, '/admin');
    } finally {
      await stack.close();
    }
  });

  it('the lock-out attack fails: 65 parallel guesses from one address, then ten addresses guessing, and the admin elsewhere signs in', async () => {
    const stack = await startTestStack({ publisher: { trustProxy: '127.0.0.1' } });
    try {
      const attacker = await signInForm(stack.publisherUrl);
      const burst = await Promise.all(Array.from({ length: 65 }, () => attacker.attempt('nope', { 'x-forwarded-for': '203.0.113.66' })));
      assert.equal(burst.filter((a) => a.status === 303).length, 10);
      assert.equal(burst.filter((a) => a.status === 429).length, 55);
      const tenAddresses = Array.from({ length: 10 }, (_, a) =>
        Array.from({ length: 12 }, () => attacker.attempt('nope', { 'x-forwarded-for': `198.51.100.${a + 10}` })),
      );
      await Promise.all(tenAddresses.flat());
      const admin = await (await signInForm(stack.publisherUrl)).attempt(ADMIN_PASSWORD, { 'x-forwarded-for': '192.0.2.200' });
      assert.equal(admin.status, 303, 'not locked out');
      assert.equal(admin.location, '/admin');
    } finally {
      await stack.close();
    }
  });

  it('counts an IPv6 client by its /64', () => {
    assert.equal(addressKey('2001:db8:1:2:3:4:5:6'), addressKey('2001:db8:1:2::9'));
    assert.notEqual(addressKey('2001:db8:1:2::9'), addressKey('2001:db8:1:3::9'));
    assert.equal(addressKey('203.0.113.5'), '203.0.113.5');
  });
});

describe('console sessions', () => {
  it('signing out ends the session for good: the old cookie opens nothing', async () => {
    const stack = await startTestStack();
    try {
      const admin = await stack.admin();
      const { cookie } = admin;
      const api = () => fetch(`${stack.publisherUrl}/api/admin/subscriptions`, { headers: { cookie } });
      assert.equal((await api()).status, 200);
      const out = await admin.submit('/admin', '/admin/logout');
      assert.equal(out.location, '/admin/login');
      assert.equal((await api()).status, 401, 'the cookie from before signing out');
    } finally {
      await stack.close();
    }
  });

  it('sessions survive a restart with the same password, and end when the password changes', async () => {
    const location = testLocation('sqlite');
    const stack = await startTestStack({ location });
    try {
      const cookie = await stack.adminCookie();
      await stack.publisher.close();
      const reads = async (password: string) => {
        const restarted = await startPublisher(stack.mp.url, { location, publisher: { adminPassword: password } });
        try {
          return (await fetch(`${restarted.url}/api/admin/subscriptions`, { headers: { cookie } })).status;
        } finally {
          await restarted.publisher.close();
        }
      };
      assert.equal(await reads(ADMIN_PASSWORD), 200, 'kept across a restart');
      assert.equal(await reads('a new password after a leak'), 401, 'a new ADMIN_PASSWORD ends it');
      assert.equal(await reads(ADMIN_PASSWORD), 401, 'and it does not come back');
    } finally {
      await stack.mp.close();
      await location.cleanup();
    }
  });

  it('the sign-in page stores no session; each sign-in makes a new session id, and the earlier one opens nothing (no fixation)', async () => {
    const stack = await startTestStack();
    try {
      const url = stack.publisherUrl;
      const { browser, attempt } = await signInForm(url);
      assert.doesNotMatch(browser.cookie, /session=/, 'viewing the sign-in page stores no session');
      assert.equal((await attempt(ADMIN_PASSWORD)).status, 303);
      const first = browser.cookie;
      assert.match(first, /session=/);
      // The same browser signs in again, its session cookie with it: the id is replaced, not kept.
      assert.equal((await browser.submit('/admin/login', '/admin/login', { password: ADMIN_PASSWORD })).status, 303);
      assert.notEqual(browser.cookie, first);
      assert.equal((await fetch(`${url}/api/admin/subscriptions`, { headers: { cookie: first } })).status, 401, 'the earlier id is gone');
      assert.equal((await fetch(`${url}/api/admin/subscriptions`, { headers: { cookie: browser.cookie } })).status, 200);
    } finally {
      await stack.close();
    }
  });

  it("the audit log names who asked for a change, not just 'admin console'", async () => {
    const stack = await startTestStack();
    try {
      const id = await stack.mp.subscribe({ planId: 'pro', quantity: 2 });
      await stack.publisher.publisher.fulfillment.projection.reconcile();
      const cookie = await stack.adminCookie();
      const change = await fetch(`${stack.publisherUrl}/api/admin/subscriptions/${id}/quantity`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: JSON.stringify({ quantity: 4 }),
      });
      assert.equal(change.status, 202);
      const audit = await stack.publisher.publisher.store.auditOf({ subscriptionId: id, limit: 50 });
      const asked = audit.find((a) => a.kind === 'change-requested');
      assert.ok(asked, audit.map((a) => a.kind).join(', '));
      assert.match(asked.cause, /^console password \(session [0-9a-f]{6}\)$/);
    } finally {
      await stack.close();
    }
  });
});

describe('where the browser goes after signing in', () => {
  it('only to a path on this site: backslashes, tabs and other hosts are refused', () => {
    for (const attack of [
      '/\\evil.example/phish',
      '/\t/evil.example',
      '/\n/evil.example',
      '//evil.example',
      'https://evil.example',
      '/\\/evil.example',
      'javascript:alert(1)',
    ])
      assert.equal(localPath(attack, '/'), '/', JSON.stringify(attack));
    assert.equal(localPath('/%5Cevil.example', '/'), '/%5Cevil.example', 'an escaped backslash is a path segment here, not a way out');
    assert.equal(localPath('/admin/jobs?status=dead', '/admin', '/admin'), '/admin/jobs?status=dead');
    assert.equal(localPath('/landing', '/admin', '/admin'), '/admin', 'the console only leads into the console');
    assert.equal(localPath('/administrator', '/admin', '/admin'), '/admin');
  });

  it('the console sign-in form ignores a next that leads away', async () => {
    const stack = await startTestStack();
    try {
      const answer = await new WebSession(stack.publisherUrl).submit('/admin/login', '/admin/login', {
        password: ADMIN_PASSWORD,
        next: '/\\evil.example/phish',
      });
      assert.equal(answer.status, 303);
      assert.equal(answer.location, '/admin');
    } finally {
      await stack.close();
    }
  });
});

describe('metrics', () => {
  it('with METRICS_TOKEN set, /metrics answers only a scraper bearing it', async () => {
    const stack = await startTestStack({ publisher: { metricsToken: 'scraper-token-0123456789' } });
    try {
      const read = (authorization?: string) => fetch(`${stack.publisherUrl}/metrics`, { headers: authorization ? { authorization } : {} });
      assert.equal((await read()).status, 401);
      assert.equal((await read('Bearer wrong-token-0123456789ab')).status, 401);
      const allowed = await read('Bearer scraper-token-0123456789');
      assert.equal(allowed.status, 200);
      assert.match(await allowed.text(), /saas_console_logins_total/);
    } finally {
      await stack.close();
    }
  });

  it('without METRICS_TOKEN, /metrics answers this machine only: not another address, not through a proxy', async () => {
    const stack = await startTestStack();
    try {
      const read = (remoteAddress: string, headers: Record<string, string> = {}) =>
        stack.publisher.inject({ method: 'GET', url: '/metrics', remoteAddress, headers });
      const local = await read('127.0.0.1');
      assert.equal(local.statusCode, 200);
      assert.match(local.body, /saas_console_logins_total/);
      for (const refused of [
        await read('203.0.113.7'),
        await read('127.0.0.1', { 'x-forwarded-for': '203.0.113.7' }),
        await read('::1', { forwarded: 'for=203.0.113.7' }),
      ]) {
        assert.equal(refused.statusCode, 403);
        assert.doesNotMatch(refused.body, /saas_/);
        assert.match(refused.body, /METRICS_TOKEN/);
      }
    } finally {
      await stack.close();
    }
  });
});
