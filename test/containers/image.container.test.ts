// The container image as a platform runs it (podman here, with host networking): the emulator and the
// publisher in two containers of the same image, a purchase bought and activated through them, the
// publisher's container replaced by a new one on the same volume with nothing lost, and each stopped with
// SIGTERM within 10 s. Run by `npm run test:containers`, which builds the image first (SF_IMAGE).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../helpers/nginx.js';
import { until } from '../helpers/wait.js';
import { hiddenFields, WebSession } from '../helpers/web-session.js';

const exec = promisify(execFile);
const IMAGE = process.env.SF_IMAGE ?? 'localhost/saas-fulfillment:test';
const ADMIN_PASSWORD = 'container-test-password';
const APP_API_KEY = 'container-test-app-key';
const podman = async (...args: string[]) => (await exec('podman', ['--runtime', 'runc', ...args], { encoding: 'utf8', timeout: 60_000 })).stdout.trim();

describe('the container image', () => {
  const suffix = randomBytes(4).toString('hex');
  const volume = `sf-test-data-${suffix}`;
  const containers: string[] = [];
  let marketplacePort: number;
  let publisherPort: number;

  /** Starts a container of the image; resolves when its command prints where it listens. */
  const run = async (name: string, env: Record<string, string>, args: string[], mounts: string[] = []) => {
    containers.push(name);
    const flags = Object.entries(env).flatMap(([key, value]) => ['-e', `${key}=${value}`]);
    await podman('run', '-d', '--name', name, '--network=host', ...mounts, ...flags, IMAGE, ...args);
    await until(async () => ((await podman('logs', name).catch(() => '')).includes(' http://') ? true : undefined), `${name} to listen`, 30_000);
  };
  const startPublisher = (name: string) =>
    run(
      name,
      { ADMIN_PASSWORD, APP_API_KEY, HEALTH_PORT: String(publisherPort), TENANT_ID: '', CLIENT_ID: '', CLIENT_SECRET: '' },
      ['publisher', '--port', String(publisherPort), '--marketplace-url', `http://127.0.0.1:${marketplacePort}`],
      ['-v', `${volume}:/data`],
    );
  /** Stops a container with SIGTERM (podman kills it after 10 s); how long it took, and its exit code. */
  const stop = async (name: string) => {
    const started = performance.now();
    await podman('stop', '--time', '10', name);
    return { ms: performance.now() - started, exitCode: Number(await podman('inspect', '--format', '{{.State.ExitCode}}', name)) };
  };

  before(async () => {
    [marketplacePort, publisherPort] = [await freePort(), await freePort()];
    await podman('volume', 'create', volume);
    const publisherUrl = `http://127.0.0.1:${publisherPort}`;
    await run(`sf-marketplace-${suffix}`, { HEALTH_PORT: String(marketplacePort) }, [
      'marketplace',
      '--port',
      String(marketplacePort),
      '--webhook-url',
      `${publisherUrl}/webhook`,
      '--landing-page-url',
      `${publisherUrl}/landing`,
    ]);
    await startPublisher(`sf-publisher-${suffix}`);
  });
  after(async () => {
    for (const name of containers) await podman('rm', '--force', '--time', '0', name).catch(() => undefined);
    await podman('volume', 'rm', '--force', volume).catch(() => undefined);
  });

  let subscriptionId: string;
  it('runs as a non-root user, and reports healthy', async () => {
    assert.equal(await podman('exec', `sf-publisher-${suffix}`, 'id', '-u'), '1000');
    for (const name of [`sf-marketplace-${suffix}`, `sf-publisher-${suffix}`])
      await until(
        async () =>
          (await podman('healthcheck', 'run', name)
            .then(() => true)
            .catch(() => false))
            ? true
            : undefined,
        `${name} healthy`,
        20_000,
      );
  });

  it('starts from the compile cache the image was built with, and writes none of its own', async () => {
    const caches = (name: string) => podman('exec', name, 'sh', '-c', 'ls /home/node/.cache/saas-fulfillment');
    const built = await caches(`sf-publisher-${suffix}`);
    assert.match(built, /^[0-9a-f]{24}-v\d+\.\d+\.\d+-\w+\.v8cache$/, 'one cache, made at build time');
    assert.equal(await caches(`sf-marketplace-${suffix}`), built, 'the same cache serves every command');
  });

  it('buys in the emulator container and activates through the publisher container', async () => {
    const bought = await (
      await fetch(`http://127.0.0.1:${marketplacePort}/simulator/purchases`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ offerId: 'contoso-saas', planId: 'pro', quantity: 3 }),
      })
    ).json();
    ({ subscriptionId } = bought as { subscriptionId: string });
    const buyer = new WebSession(`http://127.0.0.1:${publisherPort}`);
    const landing = await buyer.get((bought as { landingPageUrl: string }).landingPageUrl);
    await buyer.post('/landing/activate', hiddenFields(landing.text, '/landing/activate'));
    const entitlement = await until(
      async () => {
        const response = await fetch(`http://127.0.0.1:${publisherPort}/api/entitlements/${subscriptionId}`, {
          headers: { authorization: `Bearer ${APP_API_KEY}` },
        });
        const body = response.ok ? ((await response.json()) as { status: string; quantity: number }) : undefined;
        return body?.status === 'Subscribed' ? body : undefined;
      },
      'the activation',
      20_000,
    );
    assert.equal(entitlement.quantity, 3);
  });

  it('stops the publisher on SIGTERM within 10 s, and a new container on the same volume keeps the subscription', async () => {
    const stopped = await stop(`sf-publisher-${suffix}`);
    assert.ok(stopped.ms < 10_000, `stopped in ${Math.round(stopped.ms)} ms`);
    assert.equal(stopped.exitCode, 0);
    await startPublisher(`sf-publisher-again-${suffix}`);
    const response = await fetch(`http://127.0.0.1:${publisherPort}/api/entitlements/${subscriptionId}`, {
      headers: { authorization: `Bearer ${APP_API_KEY}` },
    });
    assert.equal(((await response.json()) as { status: string }).status, 'Subscribed');
  });

  it('stops the emulator on SIGTERM within 10 s', async () => {
    const stopped = await stop(`sf-marketplace-${suffix}`);
    assert.ok(stopped.ms < 10_000, `stopped in ${Math.round(stopped.ms)} ms`);
    assert.equal(stopped.exitCode, 0);
  });
});
