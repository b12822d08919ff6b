// The token endpoint takes a federated credential's assertion as Entra does: `exp` required (Entra sets no
// limit on it, its docs say), a future `nbf` refused as out of its time range (AADSTS700024), and the
// issuer's keys found through its OpenID metadata fetched within a timeout, a failure remembered for a
// while, its `issuer` equal to the registered one and its `jwks_uri` on the issuer's own origin; nothing
// the issuer sent is echoed back.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { MARKETPLACE_RESOURCE_ID } from '@saas-fulfillment/contract';
import { DEV_PUBLISHER, startTestMarketplace, type TestMarketplace } from '../helpers/marketplace.js';

type Mode = 'ok' | 'hang' | 'html' | 'wrong-issuer' | 'foreign-jwks';
const SUBJECT = 'repo:contoso/billing:ref:refs/heads/main';

/** An OpenID issuer per mode (`{origin}/{mode}`), counting what was asked of it. */
async function startIssuers(foreignJwks: string) {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const asked: string[] = [];
  const server: Server = createServer((request, response) => {
    asked.push(request.url ?? '');
    const [, mode, rest] = /^\/([a-z-]+)(\/.*)$/.exec(request.url ?? '') ?? [];
    const issuer = `${origin}/${mode}`;
    if (mode === 'hang') return; // never answers
    if (rest === '/keys') return void response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    if (mode === 'html') return void response.writeHead(200, { 'content-type': 'text/html' }).end('<html>internal admin portal, secret-banner-7731</html>');
    const metadata = {
      issuer: mode === 'wrong-issuer' ? 'https://somewhere-else.example' : issuer,
      jwks_uri: mode === 'foreign-jwks' ? foreignJwks : `${issuer}/keys`,
    };
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(metadata));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, asked, server, privateKey };
}

describe('federated credentials at the token endpoint', () => {
  let mp: TestMarketplace;
  let issuers: Awaited<ReturnType<typeof startIssuers>>;
  let foreign: Server;
  const foreignAsked: string[] = [];
  before(async () => {
    foreign = createServer((request, response) => {
      foreignAsked.push(request.url ?? '');
      response.end('{}');
    });
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
    issuers = await startIssuers(`http://127.0.0.1:${(foreign.address() as AddressInfo).port}/keys`);
    mp = await startTestMarketplace();
    const app = mp.app.marketplace.catalog.publisherByClientId(DEV_PUBLISHER.clientId)!;
    app.federatedCredentials = (['ok', 'hang', 'html', 'wrong-issuer', 'foreign-jwks'] as Mode[]).map((mode) => ({
      issuer: `${issuers.origin}/${mode}`,
      subject: SUBJECT,
    }));
  });
  after(async () => {
    await mp.close();
    issuers.server.closeAllConnections();
    issuers.server.close();
    foreign.close();
  });

  const assertion = (mode: Mode, times: { exp?: number | null; nbf?: number } = {}, key: CryptoKey = issuers.privateKey) => {
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(`${issuers.origin}/${mode}`).setSubject(SUBJECT);
    jwt.setAudience('api://AzureADTokenExchange').setIssuedAt(now);
    if (times.exp !== null) jwt.setExpirationTime(times.exp ?? now + 600);
    if (times.nbf !== undefined) jwt.setNotBefore(times.nbf);
    return jwt.sign(key);
  };
  const exchange = async (clientAssertion: string) => {
    const response = await fetch(`${mp.url}/${DEV_PUBLISHER.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: DEV_PUBLISHER.clientId,
        scope: `${MARKETPLACE_RESOURCE_ID}/.default`,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: clientAssertion,
      }),
    });
    return { status: response.status, body: (await response.json()) as { access_token?: string; error_codes?: number[]; error_description?: string } };
  };

  it('takes an assertion with exp, even ten years ahead; refuses one without exp, and one not valid yet', async () => {
    assert.equal((await exchange(await assertion('ok'))).status, 200);
    assert.equal((await exchange(await assertion('ok', { exp: Math.floor(Date.now() / 1000) + 10 * 365 * 86_400 }))).status, 200);
    const noExpiry = await exchange(await assertion('ok', { exp: null }));
    assert.equal(noExpiry.status, 401);
    assert.deepEqual(noExpiry.body.error_codes, [50027]);
    const early = await exchange(await assertion('ok', { nbf: Math.floor(Date.now() / 1000) + 3600 }));
    assert.deepEqual(early.body.error_codes, [700024]);
  });

  it('gives up on an issuer that does not answer within seconds, and does not ask it again at once', async () => {
    const first = await exchange(await assertion('hang'));
    assert.equal(first.status, 401);
    assert.deepEqual(first.body.error_codes, [700027]);
    const asked = issuers.asked.filter((url) => url.startsWith('/hang')).length;
    assert.equal((await exchange(await assertion('hang'))).status, 401);
    assert.equal(issuers.asked.filter((url) => url.startsWith('/hang')).length, asked, 'the failure was remembered');
  });

  it('refuses metadata that names another issuer or keys on another origin, and echoes nothing the issuer sent', async () => {
    const html = await exchange(await assertion('html'));
    assert.equal(html.status, 401);
    assert.doesNotMatch(JSON.stringify(html.body), /secret-banner|<html/);
    assert.equal((await exchange(await assertion('wrong-issuer'))).status, 401);
    const foreignKeys = await exchange(await assertion('foreign-jwks'));
    assert.equal(foreignKeys.status, 401);
    assert.match(foreignKeys.body.error_description ?? '', /jwks_uri is not on the issuer's own origin/);
    assert.deepEqual(foreignAsked, [], 'the foreign URL was never fetched');
  });
});
