import { describe, expect, it } from 'vitest';
import check from '../../../lambdas/checks/infra/vpc-endpoints-available.js';
import { known } from '../../../lambdas/audit/fact.js';
import { IDS, cluster, deployment, failed, run, snapshot, vpcEndpoint } from './fixtures.js';

const S = (short: string) => `com.amazonaws.${IDS.region}.${short}`;
const healthy = () => IDS.requiredVpcEndpoints.map((s) => vpcEndpoint(s));
const withEndpoints = (endpoints: ReturnType<typeof vpcEndpoint>[]) =>
  snapshot({ vpcEndpoints: known({ vpcId: IDS.vpcId, endpoints }) });
const byService = (findings: ReturnType<typeof run>, short: string) =>
  findings.find((f) => f.resource === `${IDS.vpcId}/${S(short)}`);

describe('Check: vpc-endpoints-available', () => {
  it('Compliance', () => {
    const findings = run(check, snapshot());
    expect(findings).toHaveLength(IDS.requiredVpcEndpoints.length);
    expect(findings.every((f) => f.status === 'pass')).toBe(true);
  });

  it('Compliance: full service names and SDK-cased states are accepted', () => {
    const d = deployment((c) => (c.network.requiredVpcEndpoints = [S('sts')]));
    const f = run(check, withEndpoints([vpcEndpoint('sts', { State: 'Available' })]), d);
    expect(f.map((x) => x.status)).toEqual(['pass']);
  });

  it('Noncompliance 1: a required endpoint is missing', () => {
    const findings = run(check, withEndpoints(healthy().filter((e) => e.ServiceName !== S('ecr.dkr'))));
    const f = byService(findings, 'ecr.dkr');
    expect(f).toMatchObject({ status: 'fail', severity: 'high' });
    expect(f?.remediation?.commands[0]).toMatch(
      new RegExp(
        `^aws ec2 create-vpc-endpoint --vpc-id ${IDS.vpcId} --service-name ${S('ecr.dkr')} --vpc-endpoint-type Interface --private-dns-enabled`,
      ),
    );
    expect(f?.remediation?.commands[1]).toBe(
      `aws ec2 describe-vpc-endpoints --filters Name=vpc-id,Values=${IDS.vpcId}`,
    );
    expect(findings.filter((x) => x.status === 'fail')).toHaveLength(1);
  });

  it('Noncompliance 2: a missing S3 endpoint is created as a Gateway', () => {
    const f = byService(run(check, withEndpoints(healthy().filter((e) => e.ServiceName !== S('s3')))), 's3');
    expect(f?.remediation?.commands[0]).toContain('--vpc-endpoint-type Gateway');
  });

  it('Noncompliance 3: an endpoint pending acceptance', () => {
    const endpoints = healthy().map((e) =>
      e.ServiceName === S('sts') ? { ...e, State: 'pendingAcceptance' as never } : e,
    );
    const f = byService(run(check, withEndpoints(endpoints)), 'sts');
    expect(f).toMatchObject({ status: 'fail', evidence: { state: 'pendingAcceptance' } });
  });

  it('Noncompliance 4: an Interface endpoint without private DNS', () => {
    const endpoints = healthy().map((e) =>
      e.ServiceName === S('logs') ? { ...e, PrivateDnsEnabled: false } : e,
    );
    const f = byService(run(check, withEndpoints(endpoints)), 'logs');
    expect(f?.status).toBe('fail');
    expect(f?.remediation?.commands[0]).toBe(
      'aws ec2 modify-vpc-endpoint --vpc-endpoint-id vpce-logs --private-dns-enabled',
    );
  });

  it('Noncompliance 5: the create command names the cluster subnets and cluster security group', () => {
    const missing = withEndpoints(healthy().filter((e) => e.ServiceName !== S('sts')));
    const create = (snap: ReturnType<typeof snapshot>) =>
      byService(run(check, snap), 'sts')?.remediation?.commands[0];
    const subnets = ['subnet-0a0de000000000a11', 'subnet-0a0de000000000b22'];
    const vpcConfig = { vpcId: IDS.vpcId, subnetIds: subnets, clusterSecurityGroupId: 'sg-0c1a5000000000c3' };
    expect(create({ ...missing, cluster: known(cluster({ resourcesVpcConfig: vpcConfig })) })).toBe(
      `aws ec2 create-vpc-endpoint --vpc-id ${IDS.vpcId} --service-name ${S('sts')} --vpc-endpoint-type Interface ` +
        `--private-dns-enabled --subnet-ids ${subnets.join(' ')} --security-group-ids sg-0c1a5000000000c3`,
    );
    // Unknown: the cluster could not be read, has no cluster security group, or lives in another VPC.
    expect(create({ ...missing, cluster: failed() })).toMatch(
      /--subnet-ids <private-subnet-ids> --security-group-ids <endpoint-sg-id>$/,
    );
    const noSg = { ...vpcConfig, clusterSecurityGroupId: undefined };
    expect(create({ ...missing, cluster: known(cluster({ resourcesVpcConfig: noSg })) })).toMatch(
      new RegExp(`--subnet-ids ${subnets.join(' ')} --security-group-ids <endpoint-sg-id>$`),
    );
    const other = { ...vpcConfig, vpcId: 'vpc-0ther00000000000' };
    expect(create({ ...missing, cluster: known(cluster({ resourcesVpcConfig: other })) })).toMatch(
      /--subnet-ids <private-subnet-ids> --security-group-ids <endpoint-sg-id>$/,
    );
  });

  it('names the reason and the service in its short form (what image pulls are matched on)', () => {
    const found = run(
      check,
      snapshot({
        vpcEndpoints: known({
          vpcId: IDS.vpcId,
          endpoints: [
            vpcEndpoint('ecr.api', { State: 'PendingAcceptance' }),
            vpcEndpoint('ecr.dkr', { PrivateDnsEnabled: false }),
          ],
        }),
      }),
      deployment(
        (d) => (d.network.requiredVpcEndpoints = ['ecr.api', 'com.amazonaws.us-east-1.ecr.dkr', 's3']),
      ),
    );
    expect(found.map((f) => [f.reason, f.scope?.endpoint])).toEqual([
      ['unavailable', 'ecr.api'],
      ['private-dns-disabled', 'ecr.dkr'],
      ['missing', 's3'],
    ]);
  });

  it('Error when DescribeVpcEndpoints failed', () => {
    expect(run(check, snapshot({ vpcEndpoints: failed() })).map((f) => f.status)).toEqual(['error']);
  });
});
