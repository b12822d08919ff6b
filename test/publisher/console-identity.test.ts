// Console users signed in with Microsoft are known by their stable identity (tenant id and object id), as
// Microsoft says to authorize, never by the e-mail claim. ADMIN_OIDC_USERS lists `tenantId/objectId`;
// an entry written as an e-mail (the older form) admits the first account that signs in with it, and from
// then on that account only, across restarts.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { openPublisherStore } from '@saas-fulfillment/publisher';
import { AdminAuth } from '@saas-fulfillment/publisher/internals';
import { testLocation } from '../helpers/databases.js';

const TENANT = 'abcdef01-2345-4678-89ab-cdef01234567';
const boss = { email: 'Boss@Contoso.example.com', tenantId: TENANT, objectId: randomUUID() };
const impostor = { email: 'boss@contoso.example.com', tenantId: randomUUID(), objectId: randomUUID() };

describe('console identity for Entra sign-in', () => {
  const location = testLocation('sqlite');
  let opened: Awaited<ReturnType<typeof openPublisherStore>>;
  const start = (adminUsers: string[]) =>
    AdminAuth.start('a long enough password', { secret: 'secret', adminUsers, sessions: opened.store.sessions, settings: opened.store.settings });
  before(async () => {
    opened = await openPublisherStore({ dataDir: location.dataDir });
  });
  after(async () => {
    await opened.database.close();
    await location.cleanup();
  });

  it('admits a user listed as tenantId/objectId, whatever their e-mail, and no one else', async () => {
    const auth = await start([`${TENANT.toUpperCase()}/${boss.objectId}`]);
    const admitted = await auth.admit({ ...boss, email: 'renamed@contoso.example.com' });
    assert.equal(admitted.admitted, true);
    assert.deepEqual(admitted.admitted && [admitted.session.tenantId, admitted.session.objectId], [TENANT, boss.objectId]);
    assert.equal((await auth.admit({ ...boss, objectId: randomUUID() })).admitted, false);
    assert.equal((await auth.admit({ ...boss, tenantId: undefined })).admitted, false, 'no identity, no entry');
  });

  it('binds an e-mail entry to the first account that uses it, and refuses another account with that e-mail, after a restart too', async () => {
    const auth = await start(['boss@contoso.example.com']);
    const first = await auth.admit(boss);
    assert.equal(first.admitted, true);
    assert.equal(first.admitted && first.firstUseOf, 'boss@contoso.example.com');
    assert.equal((await auth.admit(boss)).admitted, true);
    const refused = await auth.admit(impostor);
    assert.equal(refused.admitted, false);
    assert.match(!refused.admitted ? refused.reason : '', /may not use the console from this account/);
    const restarted = await start(['boss@contoso.example.com']);
    assert.equal((await restarted.admit(impostor)).admitted, false);
    assert.equal((await restarted.admit(boss)).admitted, true);
  });
});
