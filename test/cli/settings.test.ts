// The commands' settings, read in-process through each command's schema: every refusal names the flag or
// variable to change (the commands print it and exit with code 2; the process tests check that once).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEV_PUBLISHER } from '@saas-fulfillment/marketplace';
import { ConfigError, marketplaceConfig, publisherConfig } from 'saas-fulfillment/internals';

/** The message of the ConfigError `read` throws. */
function refusal(read: () => unknown): string {
  try {
    read();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `a ConfigError, not ${String(error)}`);
    return error.message;
  }
  assert.fail('the settings were accepted');
}

const EMULATOR = 'http://127.0.0.1:9';

describe('publisher settings', () => {
  const production = {
    ADMIN_PASSWORD: 'long enough password',
    APP_API_KEY: 'key-key-key-key-key',
    TENANT_ID: '11111111-1111-4111-8111-111111111111',
    CLIENT_ID: '22222222-2222-4222-8222-222222222222',
    CLIENT_SECRET: 's',
  };
  const asPublisher =
    (env: Record<string, string>, flags: Record<string, string> = {}) =>
    () =>
      publisherConfig(flags, env, 'publisher');
  /** As `dev` reads them: against the emulator, with the secrets it generates. */
  const asDev = (env: Record<string, string>) => () =>
    publisherConfig({}, env, 'dev', {
      marketplaceUrl: EMULATOR,
      devSecrets: { adminPassword: 'generated-password', appApiKey: 'generated-key-0123456', file: '', fresh: false },
    });

  it('refuses to start without an admin password: the console is never open', () => {
    assert.match(refusal(asPublisher({}, { 'marketplace-url': EMULATOR })), /ADMIN_PASSWORD must be set/);
  });

  it('takes no key or token short enough to guess: APP_API_KEY, METRICS_TOKEN and tenant keys are 16 characters or more (N8)', () => {
    assert.match(refusal(asDev({ APP_API_KEY: 'k1' })), /APP_API_KEY must be at least 16 characters/);
    assert.match(refusal(asDev({ METRICS_TOKEN: 'm' })), /METRICS_TOKEN must be at least 16 characters/);
    assert.doesNotThrow(() => asDev({ APP_API_KEY: 'sixteen-chars-ok', METRICS_TOKEN: 'sixteen-chars-ok-too' }));
  });

  it('names each production credential that is missing', () => {
    assert.match(refusal(asPublisher({ ADMIN_PASSWORD: 'long enough password', APP_API_KEY: 'key-key-key-key-key' })), /TENANT_ID must be set/);
    assert.match(refusal(asPublisher({ ...production, CLIENT_SECRET: '' })), /Set the app credential: CLIENT_CERTIFICATE_PATH/);
  });

  it('asks for the product name buyers will see, and checks the branding settings', () => {
    assert.match(refusal(asPublisher(production)), /PRODUCT_NAME must be set: it is what buyers see/);
    assert.match(
      refusal(asPublisher({ ...production, PRODUCT_NAME: 'Fabrikam', SUPPORT_CONTACT: 'call us' })),
      /SUPPORT_CONTACT must be an e-mail address or an http\(s\) URL/,
    );
    assert.match(refusal(asPublisher({ ...production, PRODUCT_NAME: 'Fabrikam', PRODUCT_URL: 'javascript:alert(1)' })), /PRODUCT_URL must be an http\(s\) URL/);
  });

  it('refuses an events or provisioning URL without a Standard Webhooks secret, a reconcile interval in months, and an unclear TRUST_PROXY', () => {
    assert.match(refusal(asDev({ APP_EVENTS_URL: 'http://127.0.0.1:9/e' })), /APP_EVENTS_SECRET must be set/);
    assert.match(refusal(asDev({ RECONCILE_INTERVAL: 'P1M' })), /RECONCILE_INTERVAL/);
    assert.match(refusal(asDev({ PROVISIONING_URL: 'http://127.0.0.1:9/provision' })), /PROVISIONING_SECRET \(or APP_EVENTS_SECRET\) must be set/);
    assert.match(refusal(asDev({ TRUST_PROXY: 'everyone' })), /TRUST_PROXY must be true, false or the proxies' addresses/);
  });

  it('refuses a metering interval that could miss the 24-hour window, and tenant keys that are not tenantId=key pairs of secrets', () => {
    for (const interval of ['P1D', 'PT2H', 'PT1S', 'often'])
      assert.match(refusal(asDev({ METERING_INTERVAL: interval })), /METERING_INTERVAL must be an ISO 8601 duration from PT10S to PT1H/, interval);
    const tenant = '77777777-7777-4777-8777-777777777777';
    const keys = (value: string) => asDev({ APP_API_KEY: 'app-key-0123456789', TENANT_API_KEYS: value });
    assert.match(refusal(keys('contoso=abcdefghijklmnopq')), /'contoso' is not a tenant id/);
    assert.match(refusal(keys(`${tenant}=short`)), /at least 16 characters/);
    assert.match(refusal(keys(`${tenant}=app-key-0123456789`)), /used twice \(or is APP_API_KEY\)/);
  });

  it('reads a flag before its variable, and the defaults when neither is set', () => {
    const config = publisherConfig(
      { 'public-url': 'https://flag.example' },
      { ...production, PRODUCT_NAME: 'Fabrikam', PUBLIC_URL: 'https://env.example' },
      'publisher',
    );
    assert.equal(config.publicUrl, 'https://flag.example');
    assert.deepEqual([config.port, config.meteringIntervalMs, config.reconcileIntervalMs, config.trustProxy], [3000, 300_000, 3_600_000, false]);
    assert.deepEqual([config.tenantId, config.marketplaceApi.startsWith('https://marketplaceapi.microsoft.com')], [production.TENANT_ID, true]);
    const dev = asDev({})();
    assert.deepEqual([dev.clientId, dev.marketplaceApi, dev.adminPassword], [DEV_PUBLISHER.clientId, `${EMULATOR}/api`, 'generated-password']);
  });
});

describe('marketplace settings', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'saas-settings-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const read =
    (flags: Record<string, string | boolean>, env: Record<string, string> = {}) =>
    () =>
      marketplaceConfig(flags, env);

  it('names the flag of a bad port, a DATABASE_URL that is not PostgreSQL, and --in-memory beside one', () => {
    assert.match(refusal(read({ port: '70000' })), /--port must be a port number/);
    assert.match(refusal(read({}, { DATABASE_URL: 'mysql://localhost/x' })), /DATABASE_URL must be a postgres:\/\/ URL/);
    assert.match(refusal(read({ 'in-memory': true }, { DATABASE_URL: 'postgres://x@127.0.0.1/db' })), /--in-memory and DATABASE_URL/);
  });

  it('names each bad field of a config file, and a file that is not JSON or is missing', () => {
    const file = path.join(dir, 'catalog.json');
    const plan = { planId: 'p', displayName: 'P', pricing: 'flat', billingTerms: [{ termUnit: 'P7M', price: 1 }] };
    const publisher = {
      publisherId: 'x',
      tenantId: 'nope',
      clientId: DEV_PUBLISHER.clientId,
      clientSecret: 's',
      offers: [{ offerId: 'o', displayName: 'O', plans: [plan] }],
    };
    writeFileSync(file, JSON.stringify({ publishers: [publisher] }));
    const message = refusal(read({ config: file }));
    assert.match(message, /publishers\[0\]\.tenantId must match format "uuid"/);
    assert.match(message, /publishers\[0\]\.offers\[0\]\.plans\[0\]\.billingTerms\[0\]\.termUnit must be one of/);
    const broken = path.join(dir, 'broken.json');
    writeFileSync(broken, '{ publishers: ');
    assert.match(refusal(read({ config: broken })), /--config: .* is not valid JSON/);
    assert.match(refusal(read({ config: path.join(dir, 'nope.json') })), /ENOENT/);
  });

  it('takes --tls-cert only with --tls-key', () => {
    const cert = path.join(dir, 'cert.pem');
    writeFileSync(cert, '');
    assert.match(refusal(read({ 'tls-cert': cert })), /--tls-cert and --tls-key go together/);
  });
});
