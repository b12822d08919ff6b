// The read-through cache of serialized subscriptions: never older than the database.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DocumentCache } from '@saas-fulfillment/marketplace/internals';

describe('document cache', () => {
  const doc = (v: string) => ({ publisherId: 'p', doc: v });
  const read = (cache: DocumentCache, id: string, v: string) => cache.through('documents', id, async () => doc(v));

  it('serves what was read and forgets what was invalidated', async () => {
    const cache = new DocumentCache();
    await read(cache, 'a', '1');
    assert.deepEqual(await read(cache, 'a', 'not read again'), doc('1'));
    cache.invalidate(['a']);
    assert.equal(cache.shelves.documents.get('a'), undefined);
    assert.deepEqual(await read(cache, 'a', '2'), doc('2'));
  });

  it('keeps nothing from a read during which a write committed', async () => {
    const cache = new DocumentCache();
    const stale = await cache.through('documents', 'a', async () => {
      cache.invalidate(['a']); // a writer commits while the read is under way
      return doc('stale');
    });
    assert.deepEqual(stale, doc('stale'), 'the reader gets what it read');
    assert.equal(cache.shelves.documents.get('a'), undefined, 'but it is not kept');
  });

  it('drops every list page on any write, and keeps tokens until cleared', async () => {
    const cache = new DocumentCache();
    await cache.through('pages', 'p\n\n100', async () => ({ json: '', count: 0, nextAfter: undefined }));
    await cache.through('tokens', 'hash', async () => ({ subscriptionId: 's', expiresAt: 'e' }));
    cache.invalidate(['some-subscription']);
    assert.equal(cache.shelves.pages.get('p\n\n100'), undefined);
    assert.ok(cache.shelves.tokens.get('hash'));
    cache.clear();
    assert.equal(cache.shelves.tokens.get('hash'), undefined);
  });

  it('stays within its limit, dropping the oldest entry', async () => {
    const cache = new DocumentCache(2);
    for (const id of ['a', 'b', 'c']) await read(cache, id, id);
    assert.equal(cache.shelves.documents.get('a'), undefined);
    assert.deepEqual(cache.shelves.documents.get('c'), doc('c'));
  });
});
