// What counts as "the database is away" (a 503 with Retry-After rather than a 500): the errors the drivers
// throw when they cannot reach their server, and not an error about something else that merely wraps a
// refused connection, such as a call to the marketplace that found it down.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import pg from 'pg';
import { MarketplaceClient, StaticTokenCredential } from '@saas-fulfillment/client';
import { isDatabaseUnavailable } from '@saas-fulfillment/store';

describe('a database outage, told apart', () => {
  it('is what pg throws when its server refuses or ends the connection', async () => {
    const client = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:9/test', connectionTimeoutMillis: 2000 });
    const refused = await client.connect().then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(isDatabaseUnavailable(refused), String(refused));
    assert.ok(isDatabaseUnavailable(new Error('Connection terminated unexpectedly')));
    assert.ok(isDatabaseUnavailable(Object.assign(new Error('the database system is starting up'), { code: '57P03' })));
  });

  it('is not a marketplace call that found the marketplace down, nor a fault in a query', async () => {
    // A port nothing listens on (fetch refuses well-known ports such as 9 before trying).
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const marketplace = new MarketplaceClient({
      baseUrl: `http://127.0.0.1:${port}/api`,
      credential: new StaticTokenCredential('t'),
      retry: { maxAttempts: 1 },
    });
    const down = await marketplace.getSubscription('6f0c3c52-3c2a-4d4b-9d7e-1f2a3b4c5d6e').then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(
      down instanceof Error && /ECONNREFUSED/.test(JSON.stringify({ message: down.message, cause: String(down.cause) })),
      'it wraps a refused connection',
    );
    assert.equal(isDatabaseUnavailable(down), false);
    assert.equal(isDatabaseUnavailable(Object.assign(new Error('syntax error at or near "selec"'), { code: '42601' })), false);
  });
});
