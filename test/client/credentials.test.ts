// Credentials that cannot expire silently, against the emulator's token endpoint: a certificate
// registered on the app (client assertion, found by thumbprint) and a federated credential (a token from
// the simulator's workload identity provider, or from another issuer), each refusal with Entra's AADSTS
// code and a hint; and the health a console shows (kind, last token, certificate expiry).
import assert from 'node:assert/strict';
import { createHash, createPrivateKey, randomUUID, X509Certificate } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { SignJWT } from 'jose';
import { MARKETPLACE_RESOURCE_ID } from '@saas-fulfillment/contract';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  AuthenticationError,
  ClientCertificateCredential,
  MarketplaceClient,
  type TokenCredential,
  WorkloadIdentityCredential,
} from '@saas-fulfillment/client';
import { makeCertificate, type TestCertificate } from '../helpers/certificates.js';
import { DEV_PUBLISHER, startMarketplaceTrusting, TestClock, type TestMarketplace, WORKLOAD_SUBJECT } from '../helpers/marketplace.js';

const SUBJECT = WORKLOAD_SUBJECT;

describe('certificate and federated credentials against the emulator', () => {
  let mp: TestMarketplace;
  let registered: TestCertificate;
  let stranger: TestCertificate;

  before(async () => {
    registered = makeCertificate({ commonName: 'contoso-marketplace', days: 90 });
    stranger = makeCertificate({ commonName: 'not-registered' });
    mp = await startMarketplaceTrusting(registered.certificatePem);
  });
  after(async () => {
    await mp.close();
    for (const c of [registered, stranger]) rmSync(c.dir, { recursive: true, force: true });
  });

  const common = () => ({ tenantId: DEV_PUBLISHER.tenantId, clientId: DEV_PUBLISHER.clientId, authorityHost: mp.url });
  /** The API accepts what the credential got: fulfillment and metering alike. */
  const apiAccepts = async (credential: TokenCredential) => {
    const client = new MarketplaceClient({ baseUrl: `${mp.url}/api`, credential });
    const id = await mp.subscribe();
    assert.equal((await client.getSubscription(id)).id, id);
    assert.ok(Array.isArray(await client.getUsageEvents({ usageStartDate: '2026-01-01' })));
  };
  const refused = async (credential: TokenCredential, aadsts: number) => {
    await assert.rejects(credential.getToken(), (error: unknown) => {
      assert.ok(error instanceof AuthenticationError, String(error));
      assert.equal(error.aadsts, aadsts, error.message);
      assert.ok(error.hint, 'a hint says what to change');
      return true;
    });
  };
  const workloadToken = async (body: Record<string, unknown>) => {
    const issued = await mp.http('POST', '/simulator/workload-identity/tokens', { body });
    assert.equal(issued.status, 201, issued.text);
    const file = path.join(registered.dir, `token-${Math.random().toString(36).slice(2)}`);
    writeFileSync(file, (issued.body as { token: string }).token);
    return file;
  };

  it('a certificate registered on the app gets a token the APIs accept, and reports its expiry', async () => {
    const credential = new ClientCertificateCredential({ ...common(), certificatePath: writeCombined(registered) });
    await apiAccepts(credential);
    const health = credential.health();
    assert.equal(health.kind, 'certificate');
    assert.ok(health.lastTokenAt);
    const daysLeft = (Date.parse(health.certificateExpiresAt ?? '') - Date.now()) / 86_400_000;
    assert.ok(daysLeft > 89 && daysLeft <= 90, `expires in ${daysLeft} days`);
  });

  it('refuses a certificate the app does not have (700027) and an assertion out of its time (700024)', async () => {
    await refused(new ClientCertificateCredential({ ...common(), certificate: stranger.combinedPem }), 700027);
    const late = new TestClock(new Date(Date.now() - 3_600_000).toISOString());
    await refused(new ClientCertificateCredential({ ...common(), certificate: registered.combinedPem, clock: late }), 700024);
  });

  it('refuses an assertion sent again while it is valid, and one without a jti (H9)', async () => {
    const tokenUrl = `${mp.url}/${DEV_PUBLISHER.tenantId}/oauth2/v2.0/token`;
    const thumbprint = createHash('sha256').update(new X509Certificate(registered.certificatePem).raw).digest('base64url');
    const key = createPrivateKey(readFileSync(registered.keyPath));
    const sign = (claims: Record<string, unknown>) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT', 'x5t#S256': thumbprint })
        .setIssuer(DEV_PUBLISHER.clientId)
        .setSubject(DEV_PUBLISHER.clientId)
        .setAudience(tokenUrl)
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(key);
    const ask = async (assertion: string) => {
      const response = await mp.http('POST', `/${DEV_PUBLISHER.tenantId}/oauth2/v2.0/token`, {
        form: {
          grant_type: 'client_credentials',
          client_id: DEV_PUBLISHER.clientId,
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: assertion,
          scope: `${MARKETPLACE_RESOURCE_ID}/.default`,
        },
      });
      return { status: response.status, codes: (response.body as { error_codes?: number[] }).error_codes ?? [] };
    };
    const assertion = await sign({ jti: randomUUID() });
    assert.equal((await ask(assertion)).status, 200, 'the first use');
    const replayed = await ask(assertion);
    assert.deepEqual([replayed.status, replayed.codes], [401, [50027]], 'the same assertion again');
    assert.equal((await ask(await sign({ jti: randomUUID() }))).status, 200, 'a new assertion, with a new jti');
    assert.deepEqual(await ask(await sign({})).then((r) => [r.status, r.codes]), [401, [50027]], 'an assertion without a jti');
  });

  it('refuses a PEM without its private key before any request', () => {
    assert.throws(() => new ClientCertificateCredential({ ...common(), certificate: registered.certificatePem }), /certificate and its private key/);
  });

  it('exchanges a workload identity token for a marketplace token, reading the file afresh each time', async () => {
    const file = await workloadToken({ subject: SUBJECT });
    const credential = new WorkloadIdentityCredential({ ...common(), tokenFilePath: file });
    await apiAccepts(credential);
    assert.equal(credential.health().kind, 'federated');
    // The platform rotates the file: a wrong subject there now fails the next request.
    const rotated = await mp.http('POST', '/simulator/workload-identity/tokens', { body: { subject: 'someone-else' } });
    writeFileSync(file, (rotated.body as { token: string }).token);
    await refused(new WorkloadIdentityCredential({ ...common(), tokenFilePath: file }), 700213);
  });

  it('refuses a federated token whose audience or issuer the app does not trust', async () => {
    await refused(
      new WorkloadIdentityCredential({ ...common(), tokenFilePath: await workloadToken({ subject: SUBJECT, audience: 'api://elsewhere' }) }),
      700212,
    );
    const foreign = path.join(registered.dir, 'foreign-token');
    const [header, payload] = [
      '{"alg":"RS256","typ":"JWT"}',
      JSON.stringify({ iss: 'https://token.actions.example.com', sub: SUBJECT, aud: 'api://AzureADTokenExchange' }),
    ];
    writeFileSync(foreign, `${Buffer.from(header).toString('base64url')}.${Buffer.from(payload).toString('base64url')}.c2ln`);
    await refused(new WorkloadIdentityCredential({ ...common(), tokenFilePath: foreign }), 700211);
  });
});

function writeCombined(certificate: TestCertificate): string {
  const file = path.join(certificate.dir, 'combined.pem');
  writeFileSync(file, certificate.combinedPem);
  return file;
}
