import { describe, expect, it } from 'vitest';
import check from '../../../lambdas/checks/infra/db-sg-open-to-world.js';
import { known } from '../../../lambdas/audit/fact.js';
import { IDS, allTraffic, failed, only, run, securityGroup, snapshot, tcp } from './fixtures.js';

const DB = IDS.dbSecurityGroupId;
const withDb = (...IpPermissions: ReturnType<typeof tcp>[]) =>
  snapshot({ securityGroups: known([securityGroup(DB, { IpPermissions })]) });

describe('Check: db-sg-open-to-world', () => {
  it('Compliance', () => {
    expect(only(run(check, snapshot()))).toMatchObject({ status: 'pass', resource: DB });
    const https = withDb(
      tcp(443, { IpRanges: [{ CidrIp: '0.0.0.0/0' }] }),
      tcp(5432, { IpRanges: [{ CidrIp: '10.0.0.0/16' }] }),
    );
    expect(only(run(check, https)).status).toBe('pass');
  });

  it('Noncompliance 1: 5432 open to 0.0.0.0/0', () => {
    const f = only(run(check, withDb(tcp(5432, { IpRanges: [{ CidrIp: '0.0.0.0/0' }] }))));
    expect(f).toMatchObject({
      status: 'fail',
      severity: 'critical',
      evidence: { open: [{ rule: 'tcp 5432', cidr: '0.0.0.0/0' }] },
    });
    expect(f.remediation?.commands).toEqual([
      `aws ec2 revoke-security-group-ingress --group-id ${DB} --protocol tcp --port 5432 --cidr 0.0.0.0/0`,
    ]);
  });

  it('Noncompliance 2: all traffic open to ::/0', () => {
    const f = only(run(check, withDb(allTraffic({ Ipv6Ranges: [{ CidrIpv6: '::/0' }] }))));
    expect(f.status).toBe('fail');
    expect(f.remediation?.commands).toEqual([
      `aws ec2 revoke-security-group-ingress --group-id ${DB} --ip-permissions 'IpProtocol=-1,Ipv6Ranges=[{CidrIpv6=::/0}]'`,
    ]);
  });

  it('Noncompliance 3: a port range covering 5432 open to both', () => {
    const rule = tcp([0, 65535], { IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [{ CidrIpv6: '::/0' }] });
    const f = only(run(check, withDb(rule)));
    expect(f.remediation?.commands).toEqual([
      `aws ec2 revoke-security-group-ingress --group-id ${DB} --protocol tcp --port 0-65535 --cidr 0.0.0.0/0`,
      `aws ec2 revoke-security-group-ingress --group-id ${DB} --ip-permissions 'IpProtocol=tcp,FromPort=0,ToPort=65535,Ipv6Ranges=[{CidrIpv6=::/0}]'`,
    ]);
  });

  it('Error when DescribeSecurityGroups failed or the DB group is missing', () => {
    expect(only(run(check, snapshot({ securityGroups: failed() }))).status).toBe('error');
    expect(only(run(check, snapshot({ securityGroups: known([]) }))).status).toBe('error');
  });
});
