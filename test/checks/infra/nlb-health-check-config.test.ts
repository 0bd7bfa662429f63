import { describe, expect, it } from 'vitest';
import check from '../../../lambdas/checks/infra/nlb-health-check-config.js';
import { known } from '../../../lambdas/audit/fact.js';
import { IDS, failed, only, run, snapshot, targetGroup } from './fixtures.js';

const ARN = IDS.targetGroupArn;
const withTg = (p: Parameters<typeof targetGroup>[0]) => snapshot({ targetGroups: known([targetGroup(p)]) });

describe('Check: nlb-health-check-config', () => {
  it('Compliance', () => {
    expect(only(run(check, snapshot()))).toMatchObject({ status: 'pass', resource: ARN });
    expect(
      only(run(check, withTg({ HealthCheckProtocol: 'HTTPS', HealthCheckPort: '8080', Port: 443 }))).status,
    ).toBe('pass');
  });

  it('Noncompliance 1: TCP health check', () => {
    const f = only(run(check, withTg({ HealthCheckProtocol: 'TCP', HealthCheckPath: undefined })));
    expect(f).toMatchObject({ status: 'fail', severity: 'high' });
    expect(f.detail).toContain('cannot see');
    expect(f.remediation?.commands).toEqual([
      `aws elbv2 modify-target-group --target-group-arn ${ARN} --health-check-protocol HTTP --health-check-path /healthz --health-check-port traffic-port`,
    ]);
  });

  it('Noncompliance 2: wrong path', () => {
    const f = only(run(check, withTg({ HealthCheckPath: '/' })));
    expect(f.status).toBe('fail');
    expect(f.detail).toContain('path is /, not /healthz');
    expect(f.remediation?.commands[0]).not.toContain('--health-check-protocol');
  });

  it('Noncompliance 3: wrong port', () => {
    const f = only(run(check, withTg({ HealthCheckPort: '3000' })));
    expect(f.detail).toContain("probes port 3000, not coderd's port 8080");
    const traffic = only(run(check, withTg({ Port: 80 })));
    expect(traffic.detail).toContain("probes port 80 (traffic-port), not coderd's port 8080");
    expect(traffic.remediation?.commands[0]).toContain('--health-check-port 8080');
  });

  it('Error when DescribeTargetGroups failed', () => {
    expect(only(run(check, snapshot({ targetGroups: failed() }))).status).toBe('error');
  });
});
