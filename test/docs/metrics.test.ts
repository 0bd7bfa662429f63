import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../lambdas/audit/config.js';
import { CoderAuditorStack } from '../../lib/coder-auditor-stack.js';

const root = join(import.meta.dirname, '../..');

/** Metric names the handlers emit: `count(t, 'X'`, `millis(t, 'X'`, `countBy(t, 'X'`, plus Powertools' ColdStart. */
function emitted(): string[] {
  const dir = join(root, 'lambdas/handlers');
  const names = new Set(['ColdStart']);
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'telemetry.ts')) {
    const text = readFileSync(join(dir, file), 'utf8');
    for (const m of text.matchAll(/\b(?:count|countBy|millis)\(\s*[\w.]+,\s*'(\w+)'/g)) names.add(m[1]!);
  }
  return [...names].sort();
}

function documented(): string[] {
  const text = readFileSync(join(root, 'docs/metrics.md'), 'utf8');
  const table = text.split('<!-- metrics:begin -->')[1]!.split('<!-- metrics:end -->')[0]!;
  return [...table.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]!).sort();
}

describe('Docs: docs/metrics.md', () => {
  it('lists exactly the metrics the functions emit', () => {
    expect(emitted()).toContain('OpenFindings');
    expect(documented()).toEqual(emitted());
  });
});

describe('Construct: AuditorDashboard', () => {
  it('charts open findings by severity and deployment, group durations and errors, alerts sent', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new CoderAuditorStack(app, 'Dash', {
      config: loadConfig(join(root, 'examples/config.yaml')),
      env: { account: '123456789012', region: 'us-east-1' },
    });
    const dashboards = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]!.Properties.DashboardBody);
    for (const name of [
      'OpenFindings',
      'GroupDuration',
      'FailedGroups',
      'FindingsError',
      'AlertsPublished',
    ]) {
      expect(body).toContain(name);
    }
    // Every metric the dashboard charts from the auditor's namespace is one the code emits.
    const charted = [...body.matchAll(/\\"CoderAuditor\\",\\"(\w+)\\"/g)].map((m) => m[1]!);
    expect(charted.length).toBeGreaterThan(0);
    for (const name of charted) expect(emitted()).toContain(name);
    expect(body).toMatch(/severity=\\\\\\"critical\\\\\\"/);
    for (const g of ['group-infra', 'group-cluster', 'group-database', 'group-coder'])
      expect(body).toContain(g);
  });
});
