// Dates and times that pass for valid and name no instant (a leap second, month 13, February 30th, 24:00,
// year 0000, an offset out of range) are refused with 400 naming the field, wherever they come in; in a
// usage batch the bad record is refused alone and its neighbours are kept. Before, a leap second in a
// usage record answered 500 and sank the whole batch.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { isCalendarDate, parseInstant } from '@saas-fulfillment/contract';
import { APP_API_KEY, startTestStack, type TestStack } from '../helpers/stack.js';

type Body = Record<string, unknown>;
const IMPOSSIBLE_INSTANTS = [
  '2026-12-04T23:59:60Z',
  '2026-13-01T00:00:00Z',
  '2026-02-30T10:00:00Z',
  '2026-01-01T24:00:00Z',
  '0000-01-01T00:00:00Z',
  '2026-01-01T00:00:00+24:00',
];
const IMPOSSIBLE_DAYS = ['2026-13-01', '9999-99-99', '0000-00-00', '2025-02-29', '2026-04-31'];

describe('the one parser of instants', () => {
  it('gives back every instant JavaScript can write, to the millisecond, and refuses the impossible ones', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }), (date) => {
        assert.equal(parseInstant(date.toISOString())?.getTime(), date.getTime());
        assert.ok(isCalendarDate(date.toISOString().slice(0, 10)));
      }),
      { numRuns: 2000 },
    );
    for (const text of IMPOSSIBLE_INSTANTS) assert.equal(parseInstant(text), undefined, text);
    for (const text of IMPOSSIBLE_DAYS) assert.equal(isCalendarDate(text), false, text);
  });
});

describe('impossible dates at the front doors', () => {
  let stack: TestStack;
  let metered: string;
  before(async () => {
    stack = await startTestStack();
    metered = await stack.buyAndActivate({ planId: 'pro', quantity: 2 });
  });
  after(() => stack.close());

  const report = async (body: unknown) => {
    const response = await fetch(`${stack.publisherUrl}/api/usage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${APP_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Body };
  };
  const record = (timestamp: string, key: string) => ({ subscriptionId: metered, dimension: 'api_calls', quantity: 1, timestamp, idempotencyKey: key });

  it('publisher usage: a lone impossible timestamp is a 400 naming timestamp', async () => {
    for (const [i, text] of IMPOSSIBLE_INSTANTS.entries()) {
      const { status, body } = await report(record(text, `lone-${i}`));
      assert.equal(status, 400, `${text}: ${JSON.stringify(body)}`);
      assert.match(JSON.stringify(body), /timestamp/);
    }
  });

  it('publisher usage: in a batch, the impossible record is refused alone and its neighbours are accepted', async () => {
    const now = new Date().toISOString();
    const { status, body } = await report([record(now, 'before'), record('2026-12-04T23:59:60Z', 'leap'), record(now, 'after')]);
    assert.equal(status, 200);
    const results = body.results as { status: string; error?: { field: string } }[];
    assert.deepEqual(
      results.map((r) => r.status),
      ['accepted', 'refused', 'accepted'],
    );
    assert.equal(results[1]?.error?.field, 'timestamp');
  });

  it('publisher reconciliation: an impossible day is a 400 naming day', async () => {
    const admin = await stack.admin();
    for (const day of IMPOSSIBLE_DAYS) {
      const answer = await admin.get(`/api/admin/metering/reconciliation?day=${day}`);
      assert.equal(answer.status, 400, `${day}: ${answer.text}`);
      assert.match(answer.text, /day/);
      const page = await admin.get(`/admin/metering/reconciliation?day=${day}`);
      assert.ok(page.status < 500, `${day} on the page: ${page.status}`);
    }
  });

  it('emulator metering: an impossible effectiveStartTime or usage date is a 400 naming it', async () => {
    for (const text of IMPOSSIBLE_INSTANTS) {
      const sent = await stack.mp.api('POST', '/usageEvent', {
        body: { resourceId: metered, planId: 'pro', dimension: 'api_calls', quantity: 1, effectiveStartTime: text },
      });
      assert.equal(sent.status, 400, `${text}: ${sent.text}`);
      assert.match(sent.text, /effectiveStartTime/);
    }
    for (const text of [...IMPOSSIBLE_DAYS, ...IMPOSSIBLE_INSTANTS]) {
      const read = await stack.mp.api('GET', '/usageEvents', { query: { usageStartDate: text } });
      assert.equal(read.status, 400, `${text}: ${read.text}`);
      assert.match(read.text, /usageStartDate/i);
    }
  });
});
