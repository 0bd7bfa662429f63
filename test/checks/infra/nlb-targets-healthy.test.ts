import { describe, expect, it } from 'vitest';
import check from '../../../lambdas/checks/infra/nlb-targets-healthy.js';
import { known } from '../../../lambdas/audit/fact.js';
import { IDS, failed, only, run, snapshot, target } from './fixtures.js';

const ARN = IDS.targetGroupArn;
const withTargets = (targets: ReturnType<typeof target>[]) =>
  snapshot({ targetHealth: known({ [ARN]: targets }) });

describe('Check: nlb-targets-healthy', () => {
  it('Compliance', () => {
    expect(only(run(check, snapshot()))).toMatchObject({
      status: 'pass',
      resource: ARN,
      evidence: { byState: { healthy: 2 } },
    });
  });

  it('Noncompliance 1: every target unhealthy is critical', () => {
    const unhealthy = target('10.0.1.10', 'unhealthy', {
      TargetHealth: {
        State: 'unhealthy',
        Reason: 'Target.FailedHealthChecks',
        Description: 'Health checks failed',
      },
    });
    const f = only(run(check, withTargets([unhealthy])));
    expect(f).toMatchObject({ status: 'fail', severity: 'critical' });
    expect(f.detail).toContain('10.0.1.10:8080 unhealthy (Target.FailedHealthChecks: Health checks failed)');
    expect(f.remediation?.commands).toEqual([
      `aws elbv2 describe-target-health --target-group-arn ${ARN}`,
      'kubectl get pods -n coder -l app.kubernetes.io/name=coder',
      'kubectl exec -it deploy/coder -n coder -- curl localhost:8080/healthz',
    ]);
  });

  it('Noncompliance 2: some targets not healthy is high', () => {
    const f = only(
      run(check, withTargets([target('10.0.1.10', 'healthy'), target('10.0.2.10', 'draining')])),
    );
    expect(f).toMatchObject({
      status: 'fail',
      severity: 'high',
      evidence: { byState: { healthy: 1, draining: 1 } },
    });
  });

  it('Noncompliance 3: no registered targets', () => {
    const f = only(run(check, withTargets([])));
    expect(f).toMatchObject({ status: 'fail', severity: 'critical' });
    expect(f.detail).toContain('no registered targets');
  });

  it('Noncompliance 4: the target group does not exist', () => {
    const f = only(run(check, snapshot({ targetHealth: known({ [ARN]: undefined }) })));
    expect(f).toMatchObject({ status: 'fail', severity: 'critical' });
    expect(f.detail).toContain('does not exist');
  });

  it('Error when DescribeTargetHealth failed', () => {
    expect(only(run(check, snapshot({ targetHealth: failed() }))).status).toBe('error');
  });
});
