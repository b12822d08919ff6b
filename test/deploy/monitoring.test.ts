// The monitoring kit in deploy/: the Prometheus alerts pass `promtool check rules` and their unit tests
// (`promtool test rules`, one test per alert), each alert says its severity, summary and what to do (a
// runbook section that exists in docs/operations.md), and every metric an alert or a dashboard panel reads
// is one the publisher exports. Under CI, Debian's promtool must be installed (apt-get install prometheus).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ClientCertificateCredential } from '@saas-fulfillment/client';
import { systemClock } from '@saas-fulfillment/contract';
import { createMetrics } from '@saas-fulfillment/publisher/internals';
import { parse } from 'yaml';
import { makeCertificate } from '../helpers/certificates.js';
import { repositoryRoot } from '../helpers/paths.js';
import { DEV_PUBLISHER } from '../helpers/marketplace.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

const PROMTOOL = '/usr/bin/promtool';
const PROMETHEUS = path.join(repositoryRoot, 'deploy/prometheus');
const read = (file: string) => readFileSync(path.join(repositoryRoot, file), 'utf8');

interface Rule {
  alert: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rules = (parse(read('deploy/prometheus/alerts.yml')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
const dashboard = JSON.parse(read('deploy/grafana/dashboard.json')) as { panels: { title: string; targets?: { expr: string }[] }[] };
/** Series Prometheus makes itself, not the service. */
const PROMETHEUS_OWN = new Set(['up']);

function promtool(): string | undefined {
  if (existsSync(PROMTOOL)) return PROMTOOL;
  if (process.env.CI === 'true') throw new Error(`promtool is not installed at ${PROMTOOL}; CI requires it (apt-get install -y prometheus)`);
  return undefined;
}

/** The metric names a PromQL expression reads (function and keyword names are not followed by `{` or `[`, or are known). */
function metricsIn(expr: string): string[] {
  const names = expr.match(/\b[a-z_][a-z0-9_]*(?=\s*[{[)]|\s*(?:==|!=|>|<|-|\+|\*|\/|and\b|or\b|$))/g) ?? [];
  return names.filter((name) => /^(saas_|process_|nodejs_|up$)/.test(name));
}

describe('the monitoring kit', () => {
  it('passes promtool: the rules, their unit tests, the Prometheus configuration', { skip: !promtool() && 'promtool is not installed' }, () => {
    const tool = promtool() as string;
    for (const args of [
      ['check', 'rules', 'alerts.yml'],
      ['test', 'rules', 'alerts.test.yml'],
      ['check', 'config', '--syntax-only', 'prometheus.yml'],
    ]) {
      const run = spawnSync(tool, args, { cwd: PROMETHEUS, encoding: 'utf8' });
      assert.equal(run.status, 0, `promtool ${args.join(' ')}:\n${run.stdout}${run.stderr}`);
    }
  });

  it('has a unit test that fires each alert', () => {
    const tests = parse(read('deploy/prometheus/alerts.test.yml')) as { tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[] };
    const fired = new Set(tests.tests.flatMap((t) => t.alert_rule_test.filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname)));
    assert.deepEqual(
      rules.map((r) => r.alert).filter((alert) => !fired.has(alert)),
      [],
    );
  });

  it('gives each alert a severity, a summary, a description and a runbook section that exists', () => {
    const headings = new Set(
      [...read('docs/operations.md').matchAll(/^#{2,4} (.+)$/gm)].map((m) =>
        (m[1] as string)
          .toLowerCase()
          .replace(/[^a-z0-9 -]/g, '')
          .replace(/ /g, '-'),
      ),
    );
    for (const rule of rules) {
      assert.match(rule.labels?.severity ?? '', /^(warning|critical)$/, rule.alert);
      assert.ok(rule.annotations?.summary && rule.annotations.description, rule.alert);
      const anchor = rule.annotations?.runbook_url?.split('#')[1] ?? '';
      assert.ok(headings.has(anchor), `${rule.alert}: docs/operations.md has no section #${anchor}`);
    }
  });

  describe('reads only metrics the publisher exports', () => {
    let stack: TestStack;
    let exported: Set<string>;
    before(async () => {
      stack = await startTestStack({});
      await stack.buyAndActivate();
      // What the service exports, and what it adds under a certificate credential (the expiry gauge).
      const certificate = makeCertificate({ commonName: 'monitoring test', days: 20 });
      const withCertificate = createMetrics(
        stack.publisher.publisher.store,
        systemClock,
        new ClientCertificateCredential({ tenantId: DEV_PUBLISHER.tenantId, clientId: DEV_PUBLISHER.clientId, certificate: certificate.combinedPem }),
      );
      const text = (await (await fetch(`${stack.publisherUrl}/metrics`)).text()) + (await withCertificate.registry.metrics());
      // Families by their TYPE lines, and a histogram's series (_bucket, _sum, _count) with them.
      exported = new Set();
      for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
        exported.add(name as string);
        if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exported.add(`${name}${suffix}`);
      }
    });
    after(() => stack.close());

    it('in every alert', () => {
      const unknown = rules.flatMap((r) =>
        metricsIn(r.expr)
          .filter((name) => !exported.has(name) && !PROMETHEUS_OWN.has(name))
          .map((name) => `${r.alert}: ${name}`),
      );
      assert.deepEqual(unknown, []);
      assert.ok(
        rules.every((r) => metricsIn(r.expr).length > 0),
        'each alert reads a metric',
      );
    });

    it('in every dashboard panel', () => {
      const targets = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
      assert.ok(targets.length >= 20);
      const unknown = targets.flatMap((t) =>
        metricsIn(t.expr)
          .filter((name) => !exported.has(name) && !PROMETHEUS_OWN.has(name))
          .map((name) => `${t.panel}: ${name}`),
      );
      assert.deepEqual(unknown, []);
      assert.ok(
        targets.every((t) => metricsIn(t.expr).length > 0),
        'each panel reads a metric',
      );
    });
  });
});
