// The README's terminal walk ("Every marketplace event from a terminal") and the banner's suggested
// command, run as a newcomer runs them: `dev` with the example product on moved ports, in a folder of its
// own, and each `$ npx saas-fulfillment ...` line typed as written in another terminal of that folder (the
// commands find the emulator through dev's data folder). Each line printed must have the shape of the
// README's: the same words, with ids, times, ports and counts of the run's own. Then the purchases must
// be known where the user looks: the publisher's console, the entitlement API, and the product.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCliAsync, startCli, type CliProcess } from '../helpers/cli.js';
import { repositoryRoot } from '../helpers/paths.js';
import { until } from '../helpers/wait.js';
import { hiddenFields, WebSession } from '../helpers/web-session.js';

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

/** The console block under the README's terminal heading: each command with the lines it prints. */
function readmeWalk(): { command: string[]; prints: string[] }[] {
  const readme = readFileSync(path.join(repositoryRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Every marketplace event from a terminal'));
  const block = /```console\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  const steps: { command: string[]; prints: string[] }[] = [];
  for (const line of block.split('\n').filter(Boolean)) {
    if (line.startsWith('$ npx saas-fulfillment ')) steps.push({ command: line.slice('$ npx saas-fulfillment '.length).split(' '), prints: [] });
    else steps.at(-1)?.prints.push(line);
  }
  return steps;
}

/** A README line as a pattern: its words exactly, any id, time, date, port or count of the run's own in their places. */
function shapeOf(line: string): RegExp {
  const escaped = line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = escaped
    .replace(new RegExp(GUID.source, 'g'), GUID.source)
    .replace(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/g, '\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}')
    .replace(/127\\\.0\\\.0\\\.1:\d+/g, '127\\.0\\.0\\.1:\\d+')
    .replace(/\b\d+ scheduled events? ran/g, '\\d+ scheduled events? ran')
    .replace(/\b[\d.]+ days/g, '[\\d.]+ days?');
  return new RegExp(`^${pattern}$`);
}

describe("the README's terminal walk and the banner's command, under dev on moved ports", () => {
  let folder: string;
  let dev: CliProcess;
  let banner: string;
  const urls = { marketplace: '', publisher: '', product: '' };
  /** A command typed in another terminal of the same folder. */
  const type = (args: string[]) => runCliAsync(args, {}, folder);

  before(async () => {
    folder = mkdtempSync(path.join(tmpdir(), 'readme-walk-'));
    const product = path.join(repositoryRoot, 'examples/product/product.js');
    dev = startCli(['dev', '--product', product, '--port', '0', '--marketplace-port', '0', '--product-port', '0'], {}, folder);
    await dev.waitFor(/Or from another terminal: (.*)/);
    banner = dev.output();
    urls.marketplace = /Marketplace emulator\s+(http:\/\/\S+)/.exec(banner)![1]!;
    urls.publisher = /Publisher service\s+(http:\/\/\S+)/.exec(banner)![1]!;
    urls.product = /Product\s+(http:\/\/\S+?)\/\s/.exec(banner)![1]!;
  });
  after(async () => {
    const code = await dev?.kill('SIGTERM');
    rmSync(folder, { recursive: true, force: true });
    assert.equal(code, 0, dev.output());
  });

  it('prints commands that reach the emulator on the port it took, and the one it suggests buys and activates', async () => {
    const suggested = /Or from another terminal: npx saas-fulfillment (.*)/.exec(banner)![1]!.trim().split(/\s+/);
    assert.ok(suggested.includes('--marketplace-url') && suggested.includes(urls.marketplace), `the banner names the moved port: ${suggested.join(' ')}`);
    assert.doesNotMatch(banner, /:4010|:3000|:3100|0\.0\.0\.0/, 'no default port and no unopenable address in the banner');
    const bought = await runCliAsync(suggested, {}, repositoryRoot);
    assert.equal(bought.status, 0, bought.stderr);
    assert.match(bought.stdout, /activated\s+Subscribed on plan pro with 1 seat, by the publisher, through its landing page/);
  });

  it('runs as written and prints what the README shows', async () => {
    const steps = readmeWalk();
    assert.ok(steps.length >= 4, 'the README shows the walk');
    let readmeId = '';
    let ourId = '';
    for (const step of steps) {
      const command = step.command.map((arg) => (readmeId && arg === readmeId ? ourId : arg));
      const run = async () => {
        const result = await type(command);
        assert.equal(result.status, 0, `${command.join(' ')}: ${result.stderr}`);
        return result.stdout.trimEnd().split('\n');
      };
      // The webhooks of the moment before are sent by the emulator as it polls: the list settles in a moment.
      const printed =
        command[0] === 'webhooks'
          ? await until(async () => {
              const lines = await run();
              return lines.length === step.prints.length && step.prints.every((line, i) => shapeOf(line).test(lines[i] ?? '')) ? lines : undefined;
            }, 'the webhook list of the README')
          : await run();
      if (!readmeId) {
        readmeId = GUID.exec(step.prints[0] ?? '')?.[0] ?? '';
        ourId = GUID.exec(printed[0] ?? '')?.[0] ?? '';
      }
      assert.equal(printed.length, step.prints.length, `${command.join(' ')} printed:\n${printed.join('\n')}`);
      for (const [i, line] of step.prints.entries()) assert.match(printed[i] ?? '', shapeOf(line), `${command.join(' ')}, line ${i + 1}`);
    }

    // The purchase is known where the user looks next: the console, the entitlement API, the product.
    const secrets = JSON.parse(readFileSync(path.join(folder, 'data/dev-secrets.json'), 'utf8')) as { adminPassword: string; appApiKey: string };
    const console_ = new WebSession(urls.publisher);
    const signedIn = await console_.submit('/admin/login', '/admin/login', { password: secrets.adminPassword });
    assert.equal(signedIn.status, 303);
    const page = await console_.get(`/admin/subscriptions/${ourId}`);
    assert.equal(page.status, 200, 'the console has the subscription');
    const entitlement = (await (
      await fetch(`${urls.publisher}/api/entitlements/${ourId}`, { headers: { authorization: `Bearer ${secrets.appApiKey}` } })
    ).json()) as {
      status: string;
      quantity: number;
      beneficiaryTenantId: string;
    };
    assert.equal(entitlement.status, 'Subscribed', 'the entitlement API answers for it');
    assert.equal(entitlement.quantity, 8, 'with the seats the walk changed it to');

    const browser = new WebSession(urls.product);
    const opened = await browser.get(`/s/${ourId}`);
    assert.equal(opened.status, 302, 'the product asks its user to sign in');
    const entra = new WebSession(urls.marketplace);
    const signIn = await entra.get(opened.location!);
    const account = /<form method="post" class="account">([\s\S]*?)<\/form>/.exec(signIn.text)?.[1] ?? '';
    const code = await entra.post(opened.location!, hiddenFields(`<form method="post" action="account">${account}</form>`, 'account'));
    assert.equal((await browser.get(code.location!)).status, 303);
    const workspace = await browser.get(`/s/${ourId}`);
    assert.equal(workspace.status, 200, 'the product opens the workspace');
    assert.match(workspace.text, /id="seats">1 of 8 in use/);
  });
});
