// The read-through cache of serialized subscriptions: never older than the database.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DocumentCache } from '../../packages/marketplace/src/store/document-cache.js';

describe('document cache', () => {
  const doc = (v: string) => ({ publisherId: 'p', doc: v });

  it('serves what was filled and forgets what was invalidated', () => {
    const cache = new DocumentCache();
    cache.fill('a', doc('1'), cache.snapshot());
    assert.deepEqual(cache.get('a'), doc('1'));
    cache.invalidate(['a']);
    assert.equal(cache.get('a'), undefined);
  });

  it('refuses a fill from a read that started before a write committed', () => {
    const cache = new DocumentCache();
    const before = cache.snapshot();
    cache.invalidate(['a']);
    cache.fill('a', doc('stale'), before);
    assert.equal(cache.get('a'), undefined);
  });

  it('stays within its limit, dropping the oldest entry', () => {
    const cache = new DocumentCache(2);
    for (const id of ['a', 'b', 'c']) cache.fill(id, doc(id), cache.snapshot());
    assert.equal(cache.get('a'), undefined);
    assert.deepEqual(cache.get('c'), doc('c'));
  });
});
