import { describe, expect, it } from 'vitest';
import check from '../../../lambdas/checks/infra/eks-cluster-active.js';
import { known } from '../../../lambdas/audit/fact.js';
import { IDS, cluster, failed, only, run, snapshot } from './fixtures.js';

describe('Check: eks-cluster-active', () => {
  it('Compliance', () => {
    const f = only(run(check, snapshot()));
    expect(f).toMatchObject({ status: 'pass', resource: IDS.clusterName, evidence: { status: 'ACTIVE' } });
    expect(f.remediation).toBeUndefined();
  });

  it('Noncompliance 1: cluster FAILED with health issues', () => {
    const issues = [{ code: 'Ec2SubnetNotFound' as const, message: 'subnet-0a was deleted' }];
    const f = only(
      run(check, snapshot({ cluster: known(cluster({ status: 'FAILED', health: { issues } })) })),
    );
    expect(f).toMatchObject({ status: 'fail', severity: 'critical' });
    expect(f.detail).toContain('Ec2SubnetNotFound: subnet-0a was deleted');
    expect(f.remediation?.commands).toEqual([`aws eks describe-cluster --name ${IDS.clusterName}`]);
  });

  it('Noncompliance 2: cluster UPDATING is medium', () => {
    const f = only(run(check, snapshot({ cluster: known(cluster({ status: 'UPDATING' })) })));
    expect(f).toMatchObject({ status: 'fail', severity: 'medium' });
  });

  it('Noncompliance 3: cluster does not exist', () => {
    const f = only(run(check, snapshot({ cluster: known(undefined) })));
    expect(f).toMatchObject({ status: 'fail', severity: 'critical' });
    expect(f.detail).toContain('does not exist');
  });

  it('Error when DescribeCluster failed', () => {
    const f = only(run(check, snapshot({ cluster: failed('eks:DescribeCluster coder-prod') })));
    expect(f.status).toBe('error');
    expect(f.detail).toContain('eks:DescribeCluster coder-prod');
  });
});
