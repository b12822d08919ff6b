// The compose files as docs/containers.md gives them, checked against what the image's command reads: every
// variable the publisher service is given is one the command knows (a typo would be silently ignored),
// each service's health check asks the port it listens on, the services find each other by name, data
// sits on a volume at /data, and .env.example names every variable compose.yaml needs.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { runCli } from '../helpers/cli.js';
import { repositoryRoot } from '../helpers/paths.js';

interface Service {
  command: string[];
  environment?: Record<string, string>;
  volumes?: string[];
}
type Compose = { services: Record<string, Service> };

const read = (file: string) => readFileSync(path.join(repositoryRoot, file), 'utf8');
const production = parse(read('compose.yaml')) as Compose;
const development = parse(read('compose.dev.yaml')) as Compose;
/** A flag's value in a service's command. */
const flag = (service: Service, name: string) => service.command[service.command.indexOf(name) + 1];
/** Variables the image itself reads (the HEALTHCHECK), beside the command's. */
const IMAGE_VARIABLES = ['HEALTH_PORT', 'HOST', 'DATA_DIR'];

describe('the compose files', () => {
  it('give the publisher only variables the publisher command reads', () => {
    const help = runCli(['publisher', '--help']).stdout;
    const known = new Set([...(/Environment:([\s\S]*?)\(see the README\)/.exec(help)?.[1]?.match(/[A-Z][A-Z_]+/g) ?? []), ...IMAGE_VARIABLES]);
    assert.ok(known.has('ADMIN_PASSWORD'), help);
    const publisher = production.services.publisher!;
    for (const name of Object.keys({ ...publisher.environment, ...development.services.publisher?.environment }))
      assert.ok(known.has(name), `${name} is not a variable the publisher reads`);
  });

  it('check each service on the port it listens on, and keep its data on /data', () => {
    for (const service of [production.services.publisher!, development.services.marketplace!]) {
      assert.equal(service.environment?.HEALTH_PORT, flag(service, '--port'));
      assert.ok(service.volumes?.some((volume) => volume.endsWith(':/data')));
    }
  });

  it('connect the services by name: the publisher to PostgreSQL, the emulator and the publisher to each other', () => {
    const postgres = production.services.postgres!.environment!;
    const database = new URL(production.services.publisher!.environment!.DATABASE_URL!.replace(/\$\{POSTGRES_PASSWORD\}/, 'secret'));
    assert.deepEqual([database.hostname, database.username, database.pathname], ['postgres', postgres.POSTGRES_USER, `/${postgres.POSTGRES_DB}`]);
    const marketplace = development.services.marketplace!;
    const publisher = development.services.publisher!;
    assert.equal(flag(publisher, '--marketplace-url'), `http://marketplace:${flag(marketplace, '--port')}`);
    assert.equal(flag(marketplace, '--webhook-url'), `http://publisher:${flag(production.services.publisher!, '--port')}/webhook`);
    assert.equal(flag(marketplace, '--public-url'), flag(publisher, '--marketplace-url'), 'tokens name the issuer the publisher is pointed at');
  });

  it('name in .env.example every variable compose.yaml reads', () => {
    const example = new Set([...read('.env.example').matchAll(/^([A-Z_]+)=/gm)].map((match) => match[1]));
    for (const [, name] of read('compose.yaml').matchAll(/\$\{([A-Z_]+)/g))
      if (name !== 'SAAS_FULFILLMENT_VERSION') assert.ok(example.has(name), `${name} is missing from .env.example`);
  });
});
