import { describe, expect, it } from 'vitest';
import { known } from '../../../lambdas/audit/fact.js';
import { evaluateCheck } from '../../../lambdas/audit/runner.js';
import check from '../../../lambdas/checks/database/db-connectivity.js';
import { deployment, failed, now, snapshot } from './fixtures.js';

describe('Check: db-connectivity', () => {
  it('Compliance', () => {
    const [f] = evaluateCheck(check, snapshot(), deployment, now);
    expect(f).toMatchObject({ status: 'pass', resource: 'coder-prod-aurora/coder' });
    expect(f!.evidence).toMatchObject({ roundTripMs: 2, connectMs: 40, thresholdMs: 200 });
  });

  it('Noncompliance 0: TLS disabled in the configuration is a medium finding on every audit', () => {
    const plain = { ...deployment, database: { ...deployment.database!, tls: { disable: true } } };
    const findings = evaluateCheck(check, snapshot(), plain, now);
    expect(findings.map((f) => [f.status, f.severity])).toEqual([
      ['fail', 'medium'],
      ['pass', 'info'],
    ]);
    expect(findings[0]).toMatchObject({ title: 'TLS is off for the database connection' });
  });

  it('Noncompliance 1: connection refused is a critical failure with the runbook commands', () => {
    const snap = snapshot({
      connectivity: known({
        reachable: false,
        stage: 'connect',
        failure: 'refused',
        reason: 'connect ECONNREFUSED 10.0.3.7:5432',
      }),
    });
    const [f] = evaluateCheck(check, snap, deployment, now);
    expect(f).toMatchObject({
      status: 'fail',
      severity: 'critical',
      guideSection: 'Database Connection Errors',
    });
    expect(f!.detail).toContain('refused');
    expect(f!.detail).toContain('ECONNREFUSED');
    expect(f!.remediation!.commands).toEqual([
      'aws rds describe-db-clusters --db-cluster-identifier coder-prod-aurora --region us-east-1',
      'aws ec2 describe-security-groups --group-ids sg-0db0000000000001a --region us-east-1',
      'kubectl logs -n coder -l app.kubernetes.io/name=coder --tail=-1 --prefix | grep -i database',
    ]);
  });

  it('Noncompliance 2: authentication failure points at the credentials', () => {
    const snap = snapshot({
      connectivity: known({
        reachable: false,
        stage: 'connect',
        failure: 'auth',
        reason: 'password authentication failed for user "coder_auditor" (28P01)',
      }),
    });
    const [f] = evaluateCheck(check, snap, deployment, now);
    expect(f).toMatchObject({ status: 'fail', severity: 'critical', evidence: { failure: 'auth' } });
    expect(f!.remediation!.text).toContain('credentials');
  });

  it('Noncompliance 3: a slow round trip is a medium failure', () => {
    const snap = snapshot({ connectivity: known({ reachable: true, connectMs: 900, roundTripMs: 350 }) });
    const [f] = evaluateCheck(check, snap, deployment, now);
    expect(f).toMatchObject({
      status: 'fail',
      severity: 'medium',
      evidence: { roundTripMs: 350, thresholdMs: 200 },
    });
  });

  it('Noncompliance 4: SELECT 1 timing out after connecting fails too', () => {
    const snap = snapshot({
      connectivity: known({
        reachable: false,
        stage: 'query',
        failure: 'timeout',
        reason: 'Query read timeout',
      }),
    });
    const [f] = evaluateCheck(check, snap, deployment, now);
    expect(f).toMatchObject({ status: 'fail', severity: 'critical' });
    expect(f!.detail).toMatch(/^Cannot query /);
  });

  it('yields error when the connection could not even be attempted', () => {
    const snap = snapshot({ connectivity: failed('database connection', 'AccessDeniedException: secret') });
    const [f] = evaluateCheck(check, snap, deployment, now);
    expect(f).toMatchObject({ status: 'error' });
  });
});
