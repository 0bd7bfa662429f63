import { describe, expect, it } from 'vitest';
import check from '../../../lambdas/checks/infra/nodegroup-capacity.js';
import { known } from '../../../lambdas/audit/fact.js';
import { IDS, SYSTEM_NG, WS_NG, failed, nodegroup, run, snapshot } from './fixtures.js';

const ws = (minSize: number, desiredSize: number, maxSize: number) =>
  snapshot({
    nodegroups: known({ [WS_NG]: nodegroup(WS_NG, { scalingConfig: { minSize, desiredSize, maxSize } }) }),
  });

describe('Check: nodegroup-capacity', () => {
  it('Compliance', () => {
    expect(run(check, snapshot()).map((f) => f.status)).toEqual(['pass', 'pass']);
  });

  it('Noncompliance 1: desired size at the maximum', () => {
    const [f] = run(check, ws(2, 10, 10));
    expect(f).toMatchObject({
      status: 'fail',
      severity: 'high',
      evidence: { minSize: 2, desiredSize: 10, maxSize: 10 },
    });
    expect(f?.detail).toContain('no room to scale up');
    const ids = `--cluster-name ${IDS.clusterName} --nodegroup-name ${WS_NG}`;
    expect(f?.remediation?.commands).toEqual([
      `aws eks describe-nodegroup ${ids}`,
      `aws eks update-nodegroup-config ${ids} --scaling-config minSize=2,maxSize=15,desiredSize=10`,
    ]);
  });

  it('Noncompliance 2: inconsistent sizes', () => {
    const [f] = run(check, ws(3, 2, 10));
    expect(f).toMatchObject({ status: 'fail', severity: 'high' });
    expect(f?.detail).toContain('inconsistent');
  });

  it('Noncompliance 3: workspace node group with minimum 0 is low; a system group with minimum 0 passes', () => {
    const [f] = run(check, ws(0, 1, 10));
    expect(f).toMatchObject({ status: 'fail', severity: 'low' });
    expect(f?.remediation?.commands[1]).toContain('--scaling-config minSize=1,maxSize=10,desiredSize=1');
    const sys = snapshot({
      nodegroups: known({
        [SYSTEM_NG]: nodegroup(SYSTEM_NG, { scalingConfig: { minSize: 0, desiredSize: 1, maxSize: 3 } }),
      }),
    });
    expect(run(check, sys)[0]?.status).toBe('pass');
  });

  it('Error when DescribeNodegroup failed or a node group is missing', () => {
    expect(run(check, snapshot({ nodegroups: failed() })).map((f) => f.status)).toEqual(['error']);
    expect(run(check, snapshot({ nodegroups: known({ [WS_NG]: undefined }) }))[0]?.status).toBe('error');
  });
});
