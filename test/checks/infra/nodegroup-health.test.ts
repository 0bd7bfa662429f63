import { describe, expect, it } from 'vitest';
import check from '../../../lambdas/checks/infra/nodegroup-health.js';
import { known } from '../../../lambdas/audit/fact.js';
import { IDS, SYSTEM_NG, WS_NG, failed, nodegroup, run, snapshot } from './fixtures.js';

describe('Check: nodegroup-health', () => {
  it('Compliance', () => {
    const findings = run(check, snapshot());
    expect(findings.map((f) => f.status)).toEqual(['pass', 'pass']);
    expect(findings[1]?.resource).toContain(`nodegroup/${IDS.clusterName}/${WS_NG}`);
  });

  it('Noncompliance 1: DEGRADED with health issues', () => {
    const issues = [
      { code: 'AsgInstanceLaunchFailures' as const, message: 'VcpuLimitExceeded', resourceIds: ['asg-1'] },
    ];
    const ngs = {
      [SYSTEM_NG]: nodegroup(SYSTEM_NG),
      [WS_NG]: nodegroup(WS_NG, { status: 'DEGRADED', health: { issues } }),
    };
    const [sys, ws] = run(check, snapshot({ nodegroups: known(ngs) }));
    expect(sys?.status).toBe('pass');
    expect(ws).toMatchObject({ status: 'fail', severity: 'high' });
    expect(ws?.detail).toContain('AsgInstanceLaunchFailures: VcpuLimitExceeded');
    expect(ws?.evidence).toMatchObject({
      issues: [{ code: 'AsgInstanceLaunchFailures', message: 'VcpuLimitExceeded' }],
    });
    expect(ws?.remediation?.commands).toEqual([
      `aws eks describe-nodegroup --cluster-name ${IDS.clusterName} --nodegroup-name ${WS_NG}`,
    ]);
  });

  it('Noncompliance 2: ACTIVE but with a health issue', () => {
    const issues = [{ code: 'Ec2SubnetInvalidConfiguration' as const, message: 'no free IPs' }];
    const ngs = { [WS_NG]: nodegroup(WS_NG, { health: { issues } }) };
    expect(run(check, snapshot({ nodegroups: known(ngs) }))[0]).toMatchObject({
      status: 'fail',
      severity: 'high',
    });
  });

  it('Noncompliance 3: UPDATING without issues is medium; a missing node group fails', () => {
    const ngs = { [SYSTEM_NG]: nodegroup(SYSTEM_NG, { status: 'UPDATING' }), [WS_NG]: undefined };
    const [sys, ws] = run(check, snapshot({ nodegroups: known(ngs) }));
    expect(sys).toMatchObject({ status: 'fail', severity: 'medium' });
    expect(ws).toMatchObject({ status: 'fail', severity: 'high', resource: `${IDS.clusterName}/${WS_NG}` });
    expect(ws?.detail).toContain('does not exist');
  });

  it('Noncompliance 4: instances refused for the vCPU limit have a reason of their own', () => {
    const issue = {
      code: 'AsgInstanceLaunchFailures' as const,
      message:
        'Could not launch On-Demand Instances. VcpuLimitExceeded - You have requested more vCPU capacity than your ' +
        'current vCPU limit of 64 allows for the instance bucket that the specified instance type belongs to.',
    };
    const ng = nodegroup(WS_NG, { status: 'DEGRADED', health: { issues: [issue] } });
    const f = run(check, snapshot({ nodegroups: known({ [WS_NG]: ng }) }))[0]!;
    expect(f).toMatchObject({ reason: 'vcpu-limit-exceeded', severity: 'high', scope: { nodegroup: WS_NG } });
  });

  it('Error when DescribeNodegroup failed', () => {
    const findings = run(check, snapshot({ nodegroups: failed() }));
    expect(findings.map((f) => f.status)).toEqual(['error']);
  });
});
