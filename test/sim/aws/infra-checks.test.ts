import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../../lambdas/audit/model.js';
import { runAudit } from '../../../lambdas/audit/runner.js';
import { infraGroup } from '../../../lambdas/checks/infra/index.js';
import { SIM_IDS } from '../../../sim/deployment.js';
import { deepMerge, loadScenario, type Scenario } from '../../../sim/scenario.js';
import { startTwin, type AwsTwin } from './harness.js';

/**
 * The infra checks through the real collector and SDK against the AWS twin, on states whose API shape matters:
 * a node group on a launch template (DescribeNodegroup without instanceTypes), a CIDR rule, a cluster busy
 * backing up, a missing endpoint whose create command needs the cluster's subnets.
 */
const LT = 'lt-0c0de0000000000a1';
const STS_ENDPOINT = 'vpce-05750c0de000000a3';

function edgeScenario(): Scenario {
  const base = loadScenario('healthy');
  const aws = {
    eks: {
      nodegroups: {
        'coder-prod-ws': { instanceTypes: null, launchTemplate: { id: LT, name: 'coder-ws', version: '3' } },
      },
    },
    ec2: {
      vpcEndpoints: { [STS_ENDPOINT]: null },
      securityGroups: {
        [SIM_IDS.dbSecurityGroupId]: {
          ingress: {
            'postgres-from-nodes': null,
            'postgres-from-vpc': { protocol: 'tcp', fromPort: 5432, toPort: 5432, cidrs: ['10.0.0.0/16'] },
          },
        },
      },
    },
    rds: { cluster: { status: 'backing-up' } },
  };
  return { ...base, name: 'infra-edge', aws: deepMerge(base.aws, aws) as Record<string, unknown> };
}

let twin: AwsTwin;
let findings: Finding[];
beforeAll(async () => {
  twin = await startTwin(edgeScenario());
  const deployment = twin.deployment();
  findings = (await runAudit({ deployment, groups: [infraGroup], aws: twin.clients() })).findings;
}, 60_000);
afterAll(async () => {
  await twin?.stop();
});

const of = (checkId: string) => findings.filter((f) => f.checkId === checkId);

describe('Sim: infra checks on the AWS twin', () => {
  it('no check errors on these states', () => {
    expect(findings.filter((f) => f.status === 'error')).toEqual([]);
  });

  it('ec2-vcpu-quota skips the launch-template node group with a note', () => {
    const [f] = of('ec2-vcpu-quota');
    expect(f).toMatchObject({
      status: 'pass',
      evidence: { perGroup: { 'coder-prod-system': 8 }, notCounted: { 'coder-prod-ws': expect.any(String) } },
    });
    expect(f?.detail).toContain(`coder-prod-ws: instance types from launch template ${LT}, not counted`);
  });

  it('db-sg-allows-nodes passes a CIDR ingress rule, saying it is not verified', () => {
    const db = of('db-sg-allows-nodes').find((f) => f.resource === SIM_IDS.dbSecurityGroupId);
    expect(db).toMatchObject({ status: 'pass', evidence: { cidrs: ['10.0.0.0/16'] } });
    expect(db?.detail).toContain('not verified');
  });

  it('aurora-cluster-available reports a cluster backing up at medium', () => {
    expect(of('aurora-cluster-available')).toMatchObject([{ status: 'fail', severity: 'medium' }]);
  });

  it("vpc-endpoints-available fills the create command with the cluster's subnets and security group", () => {
    const sts = of('vpc-endpoints-available').find((f) => f.status === 'fail');
    expect(sts?.resource).toBe(`${SIM_IDS.vpcId}/com.amazonaws.${SIM_IDS.region}.sts`);
    expect(sts?.remediation?.commands[0]).toContain(
      '--subnet-ids subnet-0a0de000000000a11 subnet-0a0de000000000b22 subnet-0a0de000000000c33 ' +
        '--security-group-ids sg-0c1a5000000000c3',
    );
    expect(sts?.remediation?.commands[0]).not.toContain('<');
  });
});
