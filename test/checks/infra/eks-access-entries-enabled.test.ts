import { describe, expect, it } from 'vitest';
import check from '../../../lambdas/checks/infra/eks-access-entries-enabled.js';
import { known } from '../../../lambdas/audit/fact.js';
import { IDS, cluster, failed, only, run, snapshot } from './fixtures.js';

describe('Check: eks-access-entries-enabled', () => {
  it('Compliance', () => {
    expect(only(run(check, snapshot()))).toMatchObject({ status: 'pass', resource: IDS.clusterName });
    const api = cluster({ accessConfig: { authenticationMode: 'API' } });
    expect(only(run(check, snapshot({ cluster: known(api) }))).status).toBe('pass');
  });

  it('Noncompliance 1: CONFIG_MAP only', () => {
    const c = cluster({ accessConfig: { authenticationMode: 'CONFIG_MAP' } });
    const f = only(run(check, snapshot({ cluster: known(c) })));
    expect(f).toMatchObject({
      status: 'fail',
      severity: 'medium',
      evidence: { authenticationMode: 'CONFIG_MAP' },
    });
    expect(f.remediation?.commands).toEqual([
      `aws eks update-cluster-config --name ${IDS.clusterName} --access-config authenticationMode=API_AND_CONFIG_MAP`,
    ]);
  });

  it('Noncompliance 2: no access config reported (older clusters) means CONFIG_MAP', () => {
    const f = only(run(check, snapshot({ cluster: known(cluster({ accessConfig: undefined })) })));
    expect(f.status).toBe('fail');
  });

  it('Error when DescribeCluster failed or the cluster is missing', () => {
    expect(only(run(check, snapshot({ cluster: failed() }))).status).toBe('error');
    expect(only(run(check, snapshot({ cluster: known(undefined) }))).status).toBe('error');
  });
});
