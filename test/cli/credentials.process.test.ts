// The publisher's command with each credential kind, as a vendor switches from a secret: a certificate
// (CLIENT_CERTIFICATE_PATH) and a workload identity token file (AZURE_FEDERATED_TOKEN_FILE), both
// registered on the app in the emulator's catalog. The console's Connection page and the metrics show the
// kind, the last token and the certificate's expiry, with a warning inside 30 days.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeCertificate, type TestCertificate } from '../helpers/certificates.js';
import { runCli, startCli, type CliProcess } from '../helpers/cli.js';
import { startMarketplaceTrusting, type TestMarketplace, WORKLOAD_SUBJECT } from '../helpers/marketplace.js';
import { until } from '../helpers/wait.js';
import { WebSession } from '../helpers/web-session.js';

const ADMIN_PASSWORD = 'credential test password';
const SUBJECT = WORKLOAD_SUBJECT;

describe('publisher command credentials', () => {
  let mp: TestMarketplace;
  let certificate: TestCertificate;
  let dir: string;
  const processes: CliProcess[] = [];

  before(async () => {
    certificate = makeCertificate({ commonName: 'contoso-marketplace', days: 10 });
    dir = mkdtempSync(path.join(tmpdir(), 'saas-credentials-'));
    writeFileSync(path.join(dir, 'client.pem'), certificate.combinedPem);
    mp = await startMarketplaceTrusting(certificate.certificatePem);
    await mp.subscribe();
  });
  after(async () => {
    await Promise.all(processes.map((p) => p.kill()));
    await mp.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(certificate.dir, { recursive: true, force: true });
  });

  const start = async (env: Record<string, string>) => {
    const cli = startCli(['publisher', '--marketplace-url', mp.url, '--port', '0', '--data-dir', mkdtempSync(path.join(dir, 'data-'))], {
      ADMIN_PASSWORD,
      APP_API_KEY: 'credential-test-app-key',
      CLIENT_SECRET: '',
      ...env,
    });
    processes.push(cli);
    const [, url] = await cli.waitFor(/Publisher service\s+(http:\/\/\S+)/);
    const admin = new WebSession(url!);
    assert.equal((await admin.submit('/admin/login', '/admin/login', { password: ADMIN_PASSWORD })).status, 303);
    // The reconciliation on start needs a token: once the page says "Working", one was obtained.
    const page = await until(async () => {
      const text = (await admin.get('/admin/connection')).text;
      return /Working/.test(text) ? text : undefined;
    }, 'a token from the credential');
    return { url: url!, page, cli };
  };

  it('CLIENT_CERTIFICATE_PATH: tokens from the certificate, its expiry on the Connection page and in the metrics', async () => {
    const { url, page, cli } = await start({ CLIENT_CERTIFICATE_PATH: path.join(dir, 'client.pem') });
    assert.match(page, /id="credential-kind">Certificate</);
    assert.match(page, /id="certificate-expiry"[^>]*>The certificate expires in (9|10) days/);
    const metrics = await fetch(`${url}/metrics`).then((r) => r.text());
    const seconds = Number(/saas_credential_certificate_expiry_seconds ([\d.e+]+)/.exec(metrics)?.[1]);
    assert.ok(seconds > 9 * 86_400 && seconds <= 10 * 86_400, String(seconds));
    assert.match(metrics, /saas_credential_ok 1/);
    await cli.kill();
  });

  it('AZURE_FEDERATED_TOKEN_FILE: a workload identity token exchanged through the federated credential', async () => {
    const issued = await mp.http('POST', '/simulator/workload-identity/tokens', { body: { subject: SUBJECT } });
    const tokenFile = path.join(dir, 'federated-token');
    writeFileSync(tokenFile, (issued.body as { token: string }).token);
    const { page, cli } = await start({ AZURE_FEDERATED_TOKEN_FILE: tokenFile });
    assert.match(page, /id="credential-kind">Federated credential/);
    assert.doesNotMatch(page, /certificate-expiry/);
    await cli.kill();
  });

  it('refuses two credentials at once, or a path with no file', () => {
    const base = { ADMIN_PASSWORD, APP_API_KEY: 'credential-test-app-key', TENANT_ID: mp.app.marketplace.catalog.publishers[0]!.tenantId };
    const both = runCli(['publisher', '--marketplace-url', mp.url], { ...base, CLIENT_SECRET: 's', CLIENT_CERTIFICATE_PATH: path.join(dir, 'client.pem') });
    assert.equal(both.status, 2);
    assert.match(both.stderr, /Set one credential, not CLIENT_CERTIFICATE_PATH and CLIENT_SECRET/);
    const missing = runCli(['publisher', '--marketplace-url', mp.url], { ...base, CLIENT_SECRET: '', AZURE_FEDERATED_TOKEN_FILE: '/nowhere/token' });
    assert.match(missing.stderr, /AZURE_FEDERATED_TOKEN_FILE: no file at \/nowhere\/token/);
  });
});
