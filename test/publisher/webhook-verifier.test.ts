// The webhook verifier remembers a token that passed every check, so the marketplace's reused token costs
// one signature check, not one per webhook; and forgets it the moment it expires.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JWTVerifyGetKey } from 'jose';
import { createWebhookVerifier, WebhookAuthError } from '@saas-fulfillment/publisher';
import { MARKETPLACE_RESOURCE_ID } from '@saas-fulfillment/contract';
import { DEV_PUBLISHER } from '../helpers/marketplace.js';

const authority = 'https://login.example.test';

async function setup() {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const local = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' }] });
  let keyLookups = 0;
  // Every full check looks up the signing key; counting the lookups counts the checks.
  const keys: JWTVerifyGetKey = (header, token) => {
    keyLookups++;
    return local(header, token);
  };
  let clock = new Date('2026-12-01T10:00:00Z');
  const verifier = createWebhookVerifier({ authority, tenantId: DEV_PUBLISHER.tenantId, clientId: DEV_PUBLISHER.clientId, now: () => clock }, keys);
  const sign = (claims: { tid?: string } = {}) =>
    new SignJWT({ tid: claims.tid ?? DEV_PUBLISHER.tenantId, azp: MARKETPLACE_RESOURCE_ID })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(`${authority}/${DEV_PUBLISHER.tenantId}/v2.0`)
      .setAudience(DEV_PUBLISHER.clientId)
      .setIssuedAt(Math.floor(clock.getTime() / 1000))
      .setExpirationTime(Math.floor(clock.getTime() / 1000) + 3600)
      .sign(privateKey);
  return {
    verifier,
    sign,
    lookups: () => keyLookups,
    advance: (seconds: number) => {
      clock = new Date(clock.getTime() + seconds * 1000);
    },
  };
}

describe('webhook verifier', () => {
  it('checks a token once and accepts it again without a new signature check until it expires', async () => {
    const t = await setup();
    const token = await t.sign();
    const first = await t.verifier.verify(`Bearer ${token}`);
    assert.equal(first.tid, DEV_PUBLISHER.tenantId);
    for (let i = 0; i < 5; i++) await t.verifier.verify(`Bearer ${token}`);
    assert.equal(t.lookups(), 1, 'five more webhooks with the same token: no new check');

    t.advance(3600 + 4); // inside the 5 s of tolerated skew
    await t.verifier.verify(`Bearer ${token}`);
    t.advance(2);
    await assert.rejects(t.verifier.verify(`Bearer ${token}`), (error: unknown) => error instanceof WebhookAuthError && /expired/.test(error.message));
    assert.equal(t.lookups(), 2, 'past its expiry the token was checked anew, and refused');
  });

  it('remembers nothing of a refused token, and a token changed by one character is checked in full', async () => {
    const t = await setup();
    const foreign = await t.sign({ tid: '44444444-4444-4444-8444-444444444444' });
    for (let i = 0; i < 2; i++) await assert.rejects(t.verifier.verify(`Bearer ${foreign}`), /not our tenant/);
    assert.equal(t.lookups(), 2);

    const token = await t.sign();
    await t.verifier.verify(`Bearer ${token}`);
    const tampered = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    await assert.rejects(t.verifier.verify(`Bearer ${tampered}`), /signature invalid/);
  });

  it('takes TENANT_ID written in upper case: Entra writes it in lower case, in the issuer and in tid', async () => {
    const tenantId = 'abcdef12-3456-4789-8abc-def123456789';
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const keys = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' }] });
    const now = new Date('2026-12-01T10:00:00Z');
    const verifier = createWebhookVerifier({ authority, tenantId: tenantId.toUpperCase(), clientId: DEV_PUBLISHER.clientId, now: () => now }, keys);
    const token = await new SignJWT({ tid: tenantId, azp: MARKETPLACE_RESOURCE_ID })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(`${authority}/${tenantId}/v2.0`)
      .setAudience(DEV_PUBLISHER.clientId)
      .setIssuedAt(Math.floor(now.getTime() / 1000))
      .setExpirationTime(Math.floor(now.getTime() / 1000) + 3600)
      .sign(privateKey);
    assert.equal((await verifier.verify(`Bearer ${token}`)).tid, tenantId);
  });
});
