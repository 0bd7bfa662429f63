import { describe, expect, it } from 'vitest';
import { known } from '../../../lambdas/audit/fact.js';
import check from '../../../lambdas/checks/cluster/log-error-patterns.js';
import { failed, failing, only, podLog, run, snapshot } from './fixtures.js';

describe('Check: log-error-patterns', () => {
  it('Compliance', () => {
    const f = only(run(check, snapshot()));
    expect(f).toMatchObject({ status: 'pass', resource: 'k8s:logs' });
  });

  it('Noncompliance 1: database pattern is high, redacted samples, grep of the pattern over every line', () => {
    const text = [
      '{"error":"dial tcp 10.0.0.5:5432: connect: connection refused","url":"postgres://coder:hunter2@db:5432/coder"}',
      '{"error":"connection refused"}',
      '{"msg":"ok"}',
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
      "kubectl logs -n coder -l app.kubernetes.io/name=coder --since=60m --tail=-1 --prefix | grep -i 'connection refused'",
    ]);
  });

  it('Noncompliance 1b: a connection refused by another service is not a database error', () => {
    const coderd = podLog('coder-a', '{"error":"dial tcp 10.0.3.9:443: connect: connection refused"}');
    const prov = podLog('prov-a', '{"msg":"dial coderd","error":"connection refused"}', {
      component: 'provisioner',
      namespace: 'coder-prov',
    });
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

  it("Noncompliance 1c: PostgreSQL's too many clients is a database reason of its own", () => {
    const log = podLog('coder-a', '{"error":"pq: sorry, too many clients already"}');
    const f = only(failing(run(check, { ...snapshot(), logs: known([log]) })));
    expect(f).toMatchObject({ reason: 'too-many-clients', severity: 'high' });
  });

  it('Noncompliance 2: provisioner patterns are medium, at most 3 samples', () => {
    const text = Array.from(
      { length: 5 },
      (_, i) => `error: AWS API rate limit exceeded (attempt ${i})`,
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
    expect(f.remediation?.commands[0]).toBe(
      "kubectl logs -n coder-prov -l app.kubernetes.io/name=coder-provisioner --since=60m --tail=-1 --prefix | grep -i 'AWS API rate limit'",
    );
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
