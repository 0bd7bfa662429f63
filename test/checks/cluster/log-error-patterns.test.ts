import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { known } from '../../../lambdas/audit/fact.js';
import check from '../../../lambdas/checks/cluster/log-error-patterns.js';
import {
  ERROR_PATTERNS,
  MAX_LINE_CHARS,
  logLines,
  scanLogs,
} from '../../../lambdas/checks/cluster/log-patterns.js';
import { failed, failing, only, podLog, run, snapshot } from './fixtures.js';

const fixture = (name: string) =>
  readFileSync(join(import.meta.dirname, '../../fixtures/logs', name), 'utf8');
const classesIn = (text: string, component: 'coderd' | 'provisioner' = 'coderd') => {
  const log = podLog(
    'pod-a',
    text,
    component === 'provisioner' ? { component, namespace: 'coder-prov' } : {},
  );
  return Object.fromEntries([...scanLogs([log], 5432)].map(([reason, hits]) => [reason, hits.count]));
};

describe('Check: log-error-patterns', () => {
  it('Compliance', () => {
    const f = only(run(check, snapshot()));
    expect(f).toMatchObject({ status: 'pass', resource: 'k8s:logs' });
  });

  it('Noncompliance 1: real coderd lines (slog human format, pq/net/oauth2 texts) fall in the runbook classes', () => {
    expect(classesIn(fixture('coderd.log'))).toEqual({
      'database-connection-refused': 1,
      // connection timed out to :5432, statement timeout; not the GitHub lookup i/o timeout
      'database-timeout': 2,
      'too-many-clients': 1,
      'oidc-callback-failed': 2,
      'token-expired': 3,
    });
  });

  it('Noncompliance 2: real provisioner lines (Terraform, AWS SDK throttling) fall in the runbook classes', () => {
    expect(classesIn(fixture('provisioner.log'), 'provisioner')).toEqual({
      'terraform-plan-failed': 1,
      'aws-api-rate-limit': 2,
    });
  });

  it("keeps the runbook's own wording as one of the formats", () => {
    for (const p of ERROR_PATTERNS) expect(p.match.test(p.text), p.id).toBe(true);
    // A coderd line that says only "connection refused" is the runbook's database connection error.
    expect(Object.keys(classesIn(fixture('runbook.log')))).toEqual([
      'database-connection-refused',
      'database-timeout',
      'terraform-plan-failed',
      'aws-api-rate-limit',
      'oidc-callback-failed',
      'token-expired',
    ]);
    expect(Object.keys(classesIn(fixture('runbook.log'), 'provisioner'))[0]).toBe('connection-refused');
  });

  it('Compliance: field names and successful lines do not count', () => {
    expect(classesIn(fixture('benign.log'))).toEqual({});
  });

  it('Noncompliance 3: database class is high, samples redacted, the remediation greps the same pattern', () => {
    const text = [
      '2026-09-08 01:19:09.401 [erro]  pubsub: pubsub failed to dial postgres  error="dial tcp 10.0.0.5:5432: connect: connection refused"',
      '2026-09-08 01:19:10.000 [fata]  coderd: connect to postgres  error="connection refused"  url=postgres://coder:hunter2@db:5432/coder',
      '2026-09-08 01:19:11.000 [info]  coderd: ok',
    ].join('\n');
    const f = only(failing(run(check, { ...snapshot(), logs: known([podLog('coder-a', text)]) })));
    expect(f).toMatchObject({
      severity: 'high',
      reason: 'database-connection-refused',
      resource: 'k8s:logs/database-connection-refused',
      scope: { component: ['coderd'], namespace: ['coder'] },
    });
    expect(f.evidence).toMatchObject({ count: 2, byPod: { 'coder-a': 2 } });
    expect(JSON.stringify(f.evidence)).not.toContain('hunter2');
    expect(f.remediation?.commands).toEqual([
      "kubectl logs -n coder -l app.kubernetes.io/name=coder --since=60m --tail=-1 --prefix | grep -iE 'connection refused'",
    ]);
  });

  it('Noncompliance 3b: a connection refused by another service is not a database error', () => {
    const coderd = podLog(
      'coder-a',
      '2026-09-08 01:19:09.401 [erro]  coderd: dial derp  error="dial tcp 10.0.3.9:443: connect: connection refused"',
    );
    const prov = podLog(
      'prov-a',
      '2026-09-08 01:19:09.401 [erro]  provisionerd: dial coderd  error="connection refused"',
      { component: 'provisioner', namespace: 'coder-prov' },
    );
    const db = podLog('prov-b', 'pq: connection refused', {
      component: 'provisioner',
      namespace: 'coder-prov',
    });
    const found = failing(run(check, { ...snapshot(), logs: known([coderd, prov, db]) }));
    expect(found.map((f) => [f.reason, f.severity, f.evidence.count])).toEqual([
      ['connection-refused', 'medium', 2],
      ['database-connection-refused', 'high', 1],
    ]);
    expect(found[0]!.scope).toEqual({
      component: ['coderd', 'provisioner'],
      namespace: ['coder', 'coder-prov'],
    });
  });

  it("Noncompliance 3c: PostgreSQL's too many clients is a database reason of its own", () => {
    const log = podLog(
      'coder-a',
      '2025-03-04 06:12:40.118 [erro]  pubsub: pubsub failed to dial postgres  error="pq: sorry, too many clients already"',
    );
    const f = only(failing(run(check, { ...snapshot(), logs: known([log]) })));
    expect(f).toMatchObject({ reason: 'too-many-clients', severity: 'high' });
  });

  it('Noncompliance 4: provisioner classes are medium, at most 3 samples', () => {
    const text = Array.from(
      { length: 5 },
      (_, i) =>
        `2024-02-23 11:40:0${i}.311 [erro]  provisionerd-p.runner: workspace provisioner job logged  level=ERROR  output="Error: RequestLimitExceeded: Request limit exceeded. (${i})"`,
    ).join('\n');
    const log = podLog('prov-a', text, { component: 'provisioner', namespace: 'coder-prov' });
    const f = only(failing(run(check, { ...snapshot(), logs: known([log]) })));
    expect(f).toMatchObject({
      severity: 'medium',
      reason: 'aws-api-rate-limit',
      resource: 'k8s:logs/aws-api-rate-limit',
      scope: { component: ['provisioner'] },
    });
    expect((f.evidence.samples as string[]).length).toBe(3);
    expect(f.remediation?.commands[0]).toMatch(
      /--prefix \| grep -iE 'AWS API rate limit\|RequestLimitExceeded\|/,
    );
  });

  it('Noncompliance 5: adversarial long lines are cut before matching, whatever their length (bounded, linear)', () => {
    // Four 100 KB lines of what makes patterns backtrack: the first version stalled 78 s on these.
    const line = (s: string) => s.repeat(Math.ceil(100_000 / s.length));
    const text = [
      line('postgres '),
      line('pq:'),
      line('path=/api/v2/users/oidc/callback '),
      `connection refused ${line('a_')}`,
    ].join('\n');
    const lines = [...logLines(text)];
    expect(lines).toHaveLength(4);
    expect(lines.every((l) => l.length <= MAX_LINE_CHARS)).toBe(true);
    const findings = run(check, { ...snapshot(), logs: known([podLog('coder-a', text)]) });
    // The capped lines still say "connection refused", on a coderd pod: the database's, as the runbook has it.
    expect(findings.map((f) => [f.status, f.resource])).toEqual([
      ['fail', 'k8s:logs/database-connection-refused'],
    ]);
    expect((findings[0]!.evidence.samples as string[])[0]!.length).toBeLessThanOrEqual(200);
  });

  it('A pod log that could not be read is an error; nothing read is never a pass', () => {
    const findings = run(check, {
      ...snapshot(),
      logs: known([podLog('coder-a', '', { text: undefined, error: 'timeout' })]),
    });
    expect(findings.map((f) => f.status)).toEqual(['error']);
    expect(only(run(check, { ...snapshot(), logs: failed() })).status).toBe('error');
  });
});
