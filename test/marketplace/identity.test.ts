// The Entra stand-in: token endpoints with Entra's errors, JWKS and metadata, and the API's refusal
// (403) of every token that is missing, expired, forged, foreign or unsigned.
import assert from 'node:assert/strict';
import { createRemoteJWKSet, decodeJwt, generateKeyPair, jwtVerify, SignJWT, UnsecuredJWT, type CryptoKey } from 'jose';
import { after, before, describe, it } from 'node:test';
import { MARKETPLACE_RESOURCE_ID } from '@saas-fulfillment/contract';
import { DEV_PUBLISHER, startTestMarketplace, type TestMarketplace } from '../helpers/marketplace.js';

type Body = Record<string, unknown>;
const tenant = DEV_PUBLISHER.tenantId;

describe('identity', () => {
  let mp: TestMarketplace;
  before(async () => {
    mp = await startTestMarketplace();
  });
  after(() => mp.close());

  const requestToken = (path: string, form: Record<string, string>) => mp.http('POST', path, { form });
  const v2Form = {
    grant_type: 'client_credentials',
    client_id: DEV_PUBLISHER.clientId,
    client_secret: DEV_PUBLISHER.clientSecret,
    scope: `${MARKETPLACE_RESOURCE_ID}/.default`,
  };
  const v1Form = {
    grant_type: 'client_credentials',
    client_id: DEV_PUBLISHER.clientId,
    client_secret: DEV_PUBLISHER.clientSecret,
    resource: MARKETPLACE_RESOURCE_ID,
  };

  describe('token endpoints', () => {
    it('v2.0 issues an RS256 app token with Entra v2 claims', async () => {
      const r = await requestToken(`/${tenant}/oauth2/v2.0/token`, v2Form);
      assert.equal(r.status, 200);
      const body = r.body as Body;
      assert.equal(body.token_type, 'Bearer');
      assert.equal(typeof body.expires_in, 'number');
      const claims = decodeJwt(String(body.access_token));
      assert.equal(claims.aud, MARKETPLACE_RESOURCE_ID);
      assert.equal(claims.iss, `${mp.url}/${tenant}/v2.0`);
      assert.equal(claims.tid, tenant);
      assert.equal(claims.azp, DEV_PUBLISHER.clientId);
      assert.equal(claims.ver, '2.0');
      assert.ok(claims.exp! - claims.iat! > 3000);
    });

    it('v1 issues a token with appid and string-typed numbers, as Entra v1 does', async () => {
      const r = await requestToken(`/${tenant}/oauth2/token`, v1Form);
      assert.equal(r.status, 200);
      const body = r.body as Body;
      assert.equal(typeof body.expires_in, 'string');
      assert.equal(body.resource, MARKETPLACE_RESOURCE_ID);
      const claims = decodeJwt(String(body.access_token));
      assert.equal(claims.appid, DEV_PUBLISHER.clientId);
      assert.equal(claims.iss, `${mp.url}/${tenant}/`);
      const api = await mp.api('GET', '/saas/subscriptions', { token: String(body.access_token) });
      assert.equal(api.status, 200);
    });

    const refuses = (name: string, path: string, form: Record<string, string>, status: number, error: string, aadsts: number) =>
      it(`refuses ${name} with ${status} ${error} (AADSTS${aadsts})`, async () => {
        const r = await requestToken(path, form);
        assert.equal(r.status, status);
        const body = r.body as Body;
        assert.equal(body.error, error);
        assert.deepEqual(body.error_codes, [aadsts]);
        assert.match(String(body.error_description), new RegExp(`^AADSTS${aadsts}: `));
      });

    refuses('a wrong client secret', `/${tenant}/oauth2/v2.0/token`, { ...v2Form, client_secret: 'wrong' }, 401, 'invalid_client', 7000215);
    refuses('a missing client secret', `/${tenant}/oauth2/v2.0/token`, { ...v2Form, client_secret: '' }, 401, 'invalid_client', 7000218);
    refuses(
      'an unknown app',
      `/${tenant}/oauth2/v2.0/token`,
      { ...v2Form, client_id: '99999999-9999-4999-8999-999999999999' },
      400,
      'unauthorized_client',
      700016,
    );
    refuses('an unknown tenant', '/99999999-9999-4999-8999-999999999999/oauth2/v2.0/token', v2Form, 400, 'invalid_request', 90002);
    refuses('another grant type', `/${tenant}/oauth2/v2.0/token`, { ...v2Form, grant_type: 'password' }, 400, 'unsupported_grant_type', 70003);
    refuses('a scope without /.default', `/${tenant}/oauth2/v2.0/token`, { ...v2Form, scope: MARKETPLACE_RESOURCE_ID }, 400, 'invalid_scope', 1002012);
    refuses('the old resource id', `/${tenant}/oauth2/token`, { ...v1Form, resource: '62d94f6c-d599-489b-a797-3e10e42fbe22' }, 400, 'invalid_resource', 500011);
    refuses('a v1 request without resource', `/${tenant}/oauth2/token`, { ...v1Form, resource: '' }, 400, 'invalid_request', 900144);

    it('reads form names in any case, as Entra does (a public Postman collection sends Client_id, Scope, Resource)', async () => {
      for (const [path, form] of [
        [
          `/${tenant}/oauth2/v2.0/token`,
          { Grant_type: 'client_credentials', Client_id: DEV_PUBLISHER.clientId, Client_secret: DEV_PUBLISHER.clientSecret, Scope: v2Form.scope },
        ],
        [
          `/${tenant}/oauth2/token`,
          { GRANT_TYPE: 'client_credentials', Client_Id: DEV_PUBLISHER.clientId, client_SECRET: DEV_PUBLISHER.clientSecret, Resource: MARKETPLACE_RESOURCE_ID },
        ],
      ] as const) {
        const r = await requestToken(path, form);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.equal(decodeJwt(String((r.body as Body).access_token)).tid, tenant);
      }
      // Values stay exact: a grant type in capitals is still not one Entra knows.
      const wrongValue = await requestToken(`/${tenant}/oauth2/v2.0/token`, { ...v2Form, grant_type: 'Client_Credentials' });
      assert.equal(wrongValue.status, 400);
      // A name given twice in two spellings: the first counts, as for a repeated name.
      const twice = await requestToken(`/${tenant}/oauth2/v2.0/token`, { ...v2Form, Client_Secret: 'wrong' });
      assert.equal(twice.status, 200);
    });

    it('refuses a JSON body: the endpoint takes a form', async () => {
      const r = await mp.http('POST', `/${tenant}/oauth2/v2.0/token`, { body: v2Form });
      assert.equal(r.status, 400);
      assert.equal((r.body as Body).error, 'invalid_request');
    });
  });

  describe('JWKS and OpenID metadata', () => {
    it('publishes metadata whose jwks_uri verifies the tokens it issues', async () => {
      const meta = (await mp.http('GET', `/${tenant}/v2.0/.well-known/openid-configuration`)).body as Body;
      assert.equal(meta.issuer, `${mp.url}/${tenant}/v2.0`);
      assert.equal(meta.token_endpoint, `${mp.url}/${tenant}/oauth2/v2.0/token`);
      const jwks = createRemoteJWKSet(new URL(String(meta.jwks_uri)));
      const { payload } = await jwtVerify(await mp.token(), jwks, { issuer: String(meta.issuer), audience: MARKETPLACE_RESOURCE_ID, algorithms: ['RS256'] });
      assert.equal(payload.tid, tenant);
    });

    it('keeps its signing key across restarts (stored, not regenerated)', async () => {
      const first = (await mp.http('GET', `/${tenant}/discovery/v2.0/keys`)).body as { keys: Body[] };
      assert.equal(first.keys.length, 1);
      assert.equal(first.keys[0]!.kty, 'RSA');
      assert.equal('d' in first.keys[0]!, false, 'no private part in the JWKS');
      const { loadOrCreateSigningKey } = await import('@saas-fulfillment/marketplace/internals');
      const again = await loadOrCreateSigningKey(mp.store);
      assert.equal(again.kid, first.keys[0]!.kid);
    });
  });

  describe('the API refuses bad tokens with 403', () => {
    const denied = async (token: string, pattern: RegExp) => {
      const r = await mp.api('GET', '/saas/subscriptions', { token });
      assert.equal(r.status, 403, r.text);
      assert.match(String((r.body as Body).message), pattern);
    };

    it('a token that is not a JWT', () => denied('abc.def', /well-formed/));

    /** A token like the emulator's own, with one thing changed. */
    const forge = async (change: { tid?: string; azp?: string; iss?: string; aud?: string; expiresAt?: number; key?: CryptoKey }) => {
      const key = await mp.app.marketplace.key;
      const tid = change.tid ?? tenant;
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ tid, azp: change.azp ?? DEV_PUBLISHER.clientId })
        .setProtectedHeader({ alg: 'RS256', kid: key.kid })
        .setIssuer(change.iss ?? `${mp.url}/${tid}/v2.0`)
        .setAudience(change.aud ?? MARKETPLACE_RESOURCE_ID)
        .setIssuedAt(Math.min(now, (change.expiresAt ?? now + 3600) - 3600))
        .setExpirationTime(change.expiresAt ?? now + 3600)
        .sign(change.key ?? key.privateKey);
    };

    it('a well-made token passes (the forgeries below differ from it in one thing)', async () => {
      assert.equal((await mp.api('GET', '/saas/subscriptions', { token: await forge({}) })).status, 200);
    });
    it('an expired token', async () => denied(await forge({ expiresAt: Math.floor(Date.now() / 1000) - 3600 }), /expired/));
    it('a token signed by another key (forged)', async () => denied(await forge({ key: (await generateKeyPair('RS256')).privateKey }), /signature/));
    it('an unsigned token (alg none)', async () => {
      const token = new UnsecuredJWT({ tid: tenant, azp: DEV_PUBLISHER.clientId })
        .setIssuer(`${mp.url}/${tenant}/v2.0`)
        .setAudience(MARKETPLACE_RESOURCE_ID)
        .setIssuedAt()
        .setExpirationTime('1h')
        .encode();
      await denied(token, /RS256|well-formed/);
    });
    it('a token for another audience', async () => denied(await forge({ aud: 'https://graph.microsoft.com' }), /audience/));
    it('a token of an app registered on no offer', async () => denied(await forge({ azp: '99999999-9999-4999-8999-999999999999' }), /not registered/));
    it("a token whose tenant is not the app's", async () => denied(await forge({ tid: '44444444-4444-4444-8444-444444444444' }), /belongs to tenant/));
    it('a token from another issuer', async () => denied(await forge({ iss: `https://login.example.com/${tenant}/v2.0` }), /issuer/));
  });
});
