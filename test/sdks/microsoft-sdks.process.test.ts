// Microsoft's own identity SDKs against the emulator over HTTPS (they refuse an http authority):
// @azure/identity (client secret and certificate, authorityHost with instance discovery off) and
// @azure/msal-node (ConfidentialClientApplication with knownAuthorities) get tokens that the
// fulfillment and metering APIs accept; a wrong secret fails with Entra's AADSTS code. The SDKs run in a
// child process that trusts the emulator's certificate through NODE_EXTRA_CA_CERTS, as a vendor's would.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { localCertificate } from 'saas-fulfillment/internals';
import { DEMO_CATALOG } from '@saas-fulfillment/marketplace';
import { makeCertificate, type TestCertificate } from '../helpers/certificates.js';
import { DEV_PUBLISHER, startTestMarketplace, type TestMarketplace } from '../helpers/marketplace.js';
import { repositoryRoot } from '../helpers/paths.js';

interface Outcome {
  name: string;
  ok: boolean;
  answers?: number[];
  error?: string;
}

describe("Microsoft's identity SDKs against the emulator over HTTPS", () => {
  let mp: TestMarketplace;
  let dir: string;
  let appCertificate: TestCertificate;
  let outcomes: Map<string, Outcome>;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'saas-sdks-'));
    const tls = await localCertificate(dir, '127.0.0.1');
    appCertificate = makeCertificate({ commonName: 'contoso-marketplace', days: 30 });
    const catalog = structuredClone(DEMO_CATALOG);
    catalog.publishers[0]!.certificates = [appCertificate.certificatePem];
    mp = await startTestMarketplace({ catalog, https: { cert: tls.cert, key: tls.key } });
    assert.match(mp.url, /^https:\/\//);
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(repositoryRoot, 'test/sdks/microsoft-sdks.mjs')], {
      cwd: repositoryRoot,
      env: {
        ...process.env,
        NODE_EXTRA_CA_CERTS: tls.caFile,
        AUTHORITY: mp.url,
        TENANT_ID: DEV_PUBLISHER.tenantId,
        CLIENT_ID: DEV_PUBLISHER.clientId,
        CLIENT_SECRET: DEV_PUBLISHER.clientSecret,
        CERTIFICATE_PEM: appCertificate.combinedPem,
      },
      timeout: 60_000,
    });
    outcomes = new Map(
      stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Outcome)
        .map((o) => [o.name, o]),
    );
  });
  after(async () => {
    await mp?.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(appCertificate.dir, { recursive: true, force: true });
  });

  const accepted = (name: string) => {
    const outcome = outcomes.get(name);
    assert.ok(outcome?.ok, `${name}: ${outcome?.error}`);
    assert.deepEqual(outcome.answers, [200, 200], `${name}: the fulfillment and metering APIs take the token`);
  };
  const refused = (name: string, aadsts: string) => {
    const outcome = outcomes.get(name);
    assert.equal(outcome?.ok, false, name);
    assert.match(outcome?.error ?? '', new RegExp(aadsts), name);
  };

  it('@azure/identity ClientSecretCredential', () => accepted('azure-identity-secret'));
  it('@azure/identity ClientCertificateCredential (a certificate registered on the app)', () => accepted('azure-identity-certificate'));
  it('@azure/identity with a wrong secret: AADSTS7000215', () => refused('azure-identity-wrong-secret', 'AADSTS7000215'));
  it('@azure/msal-node ConfidentialClientApplication', () => accepted('msal-node-secret'));
  it('@azure/msal-node with a wrong secret: AADSTS7000215', () => refused('msal-node-wrong-secret', '7000215'));
});
