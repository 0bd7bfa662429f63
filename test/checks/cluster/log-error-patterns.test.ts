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
    expect(f).toMatchObject({ severity: 'high', resource: 'k8s:logs/connection-refused' });
    expect(f.evidence).toMatchObject({ count: 2, byPod: { 'coder-a': 2 } });
    expect(JSON.stringify(f.evidence)).not.toContain('hunter2');
    expect(f.remediation?.commands).toEqual([
      "kubectl logs -n coder -l app.kubernetes.io/name=coder --since=60m --tail=-1 --prefix | grep -i 'connection refused'",
    ]);
  });

  it('Noncompliance 2: provisioner patterns are medium, at most 3 samples', () => {
    const text = Array.from(
      { length: 5 },
      (_, i) => `error: AWS API rate limit exceeded (attempt ${i})`,
    ).join('\n');
    const log = podLog('prov-a', text, { component: 'provisioner', namespace: 'coder-prov' });
    const f = only(failing(run(check, { ...snapshot(), logs: known([log]) })));
    expect(f).toMatchObject({ severity: 'medium', resource: 'k8s:logs/aws-api-rate-limit' });
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
