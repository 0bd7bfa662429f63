import { describe, expect, it } from 'vitest';
import check from '../../../lambdas/checks/infra/ec2-vcpu-quota.js';
import { known } from '../../../lambdas/audit/fact.js';
import {
  SYSTEM_NG,
  WS_NG,
  failed,
  instanceType,
  nodegroup,
  only,
  run,
  snapshot,
  vcpuQuota,
} from './fixtures.js';

// healthySnapshot: system 4 x m6i.xlarge (4) = 16, workspaces 10 x m6i.2xlarge (8) = 80 → 96 vCPUs.
const withQuota = (value: number) => snapshot({ vcpuQuota: known(vcpuQuota(value)) });

describe('Check: ec2-vcpu-quota', () => {
  it('Compliance', () => {
    const f = only(run(check, snapshot()));
    expect(f).toMatchObject({
      status: 'pass',
      evidence: { quota: 640, neededAtMax: 96, perGroup: { [SYSTEM_NG]: 16, [WS_NG]: 80 } },
    });
    expect(f.resource).toContain('ec2/L-1216C47A');
  });

  it('Compliance: Spot and non-standard families do not count', () => {
    const ngs = {
      [SYSTEM_NG]: nodegroup(SYSTEM_NG, {
        instanceTypes: ['g5.xlarge'],
        scalingConfig: { minSize: 1, desiredSize: 1, maxSize: 100 },
      }),
      [WS_NG]: nodegroup(WS_NG, { capacityType: 'SPOT', instanceTypes: ['m6i.2xlarge'] }),
    };
    const f = only(run(check, snapshot({ nodegroups: known(ngs), vcpuQuota: known(vcpuQuota(8)) })));
    expect(f).toMatchObject({ status: 'pass', evidence: { neededAtMax: 0 } });
  });

  it('Compliance: a node group whose instance types come from a launch template is skipped with a note', () => {
    const ngs = {
      [SYSTEM_NG]: nodegroup(SYSTEM_NG, { scalingConfig: { minSize: 2, desiredSize: 2, maxSize: 4 } }),
      [WS_NG]: nodegroup(WS_NG, {
        instanceTypes: undefined,
        launchTemplate: { id: 'lt-0123456789abcdef0', name: 'coder-ws', version: '3' },
      }),
    };
    const f = only(run(check, snapshot({ nodegroups: known(ngs) })));
    const note = 'instance types from launch template lt-0123456789abcdef0, not counted';
    expect(f).toMatchObject({
      status: 'pass',
      evidence: { neededAtMax: 16, perGroup: { [SYSTEM_NG]: 16 }, notCounted: { [WS_NG]: note } },
    });
    expect(f.detail).toContain(`${WS_NG}: ${note}`);
  });

  it('Noncompliance 1: maximums exceed the quota', () => {
    const f = only(run(check, withQuota(64)));
    expect(f).toMatchObject({ status: 'fail', severity: 'high' });
    expect(f.remediation?.commands).toEqual([
      'aws service-quotas request-service-quota-increase --service-code ec2 --quota-code L-1216C47A --desired-value 107',
    ]);
  });

  it('Noncompliance 2: above the warn share is medium', () => {
    expect(only(run(check, withQuota(100)))).toMatchObject({
      status: 'fail',
      severity: 'medium',
      evidence: { percent: 96 },
    });
  });

  it('Noncompliance 3: the largest instance type of a group counts', () => {
    const ngs = { [WS_NG]: nodegroup(WS_NG, { instanceTypes: ['m6i.xlarge', 'm6i.2xlarge'] }) };
    const f = only(run(check, snapshot({ nodegroups: known(ngs), vcpuQuota: known(vcpuQuota(80)) })));
    expect(f).toMatchObject({ status: 'fail', severity: 'high', evidence: { neededAtMax: 80 } });
  });

  it('Error when a fact failed or vCPUs are unknown', () => {
    expect(only(run(check, snapshot({ vcpuQuota: failed() }))).status).toBe('error');
    expect(only(run(check, snapshot({ instanceTypes: failed() }))).status).toBe('error');
    expect(only(run(check, snapshot({ nodegroups: failed() }))).status).toBe('error');
    expect(only(run(check, snapshot({ instanceTypes: known([instanceType('m6i.xlarge', 4)]) }))).status).toBe(
      'error',
    );
  });

  it('Error when every On-Demand node group takes its instance types from a launch template', () => {
    const lt = (name: string) =>
      nodegroup(name, { instanceTypes: undefined, launchTemplate: { id: `lt-0${name.length}` } });
    const ngs = { [SYSTEM_NG]: lt(SYSTEM_NG), [WS_NG]: lt(WS_NG) };
    const f = only(run(check, snapshot({ nodegroups: known(ngs) })));
    expect(f.status).toBe('error');
    expect(f.detail).toContain('launch template');
  });
});
