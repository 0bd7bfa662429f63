import { describe, expect, it } from 'vitest';
import check from '../../../lambdas/checks/infra/db-sg-allows-nodes.js';
import { known } from '../../../lambdas/audit/fact.js';
import { IDS, allTraffic, failed, run, securityGroup, snapshot, tcp } from './fixtures.js';

const DB = IDS.dbSecurityGroupId;
const NODE = IDS.nodeSecurityGroupId;
const node = securityGroup(NODE, {
  IpPermissionsEgress: [allTraffic({ IpRanges: [{ CidrIp: '0.0.0.0/0' }] })],
});
const withDb = (...IpPermissions: ReturnType<typeof tcp>[]) =>
  snapshot({ securityGroups: known([securityGroup(DB, { IpPermissions }), node]) });

describe('Check: db-sg-allows-nodes', () => {
  it('Compliance', () => {
    const findings = run(check, snapshot());
    expect(findings.map((f) => [f.resource, f.status])).toEqual([
      [DB, 'pass'],
      [NODE, 'pass'],
    ]);
    const all = withDb(allTraffic({ UserIdGroupPairs: [{ GroupId: NODE }] }));
    expect(run(check, all)[0]?.status).toBe('pass');
    const range = withDb(tcp([5000, 6000], { UserIdGroupPairs: [{ GroupId: NODE }] }));
    expect(run(check, range)[0]?.status).toBe('pass');
  });

  it('Compliance: ingress from a CIDR is reported as allowed by that CIDR, not verified', () => {
    const [f] = run(check, withDb(tcp(5432, { IpRanges: [{ CidrIp: '10.0.0.0/16' }] })));
    expect(f).toMatchObject({ status: 'pass', resource: DB, evidence: { cidrs: ['10.0.0.0/16'] } });
    expect(f?.detail).toBe(
      `${DB} allows TCP 5432 from CIDR 10.0.0.0/16 (not verified to contain the node subnets).`,
    );
  });

  it('Compliance: egress to 0.0.0.0/0, ::/0, the DB group, or a CIDR (reported as not verified)', () => {
    const db = securityGroup(DB, { IpPermissions: [tcp(5432, { UserIdGroupPairs: [{ GroupId: NODE }] })] });
    const egress = (rule: ReturnType<typeof tcp>) =>
      run(
        check,
        snapshot({ securityGroups: known([db, securityGroup(NODE, { IpPermissionsEgress: [rule] })]) }),
      )[1];
    expect(egress(tcp(5432, { UserIdGroupPairs: [{ GroupId: DB }] }))?.status).toBe('pass');
    expect(egress(allTraffic({ IpRanges: [{ CidrIp: '0.0.0.0/0' }] }))?.detail).not.toContain('not verified');
    const v6 = egress(allTraffic({ Ipv6Ranges: [{ CidrIpv6: '::/0' }] }));
    expect(v6).toMatchObject({ status: 'pass', evidence: { cidrs: ['::/0'] } });
    const lan = egress(tcp(5432, { IpRanges: [{ CidrIp: '192.168.0.0/16' }] }));
    expect(lan).toMatchObject({ status: 'pass', evidence: { cidrs: ['192.168.0.0/16'] } });
    expect(lan?.detail).toBe(
      `${NODE} allows TCP 5432 to CIDR 192.168.0.0/16 (not verified to contain the database).`,
    );
  });

  it('Noncompliance 1: no rule from the node security group', () => {
    const [f] = run(
      check,
      withDb(tcp(5432, { UserIdGroupPairs: [{ GroupId: 'sg-0ther000000000000' }] }), tcp(443)),
    );
    expect(f).toMatchObject({ status: 'fail', severity: 'high', resource: DB });
    expect(f?.remediation?.commands).toEqual([
      `aws ec2 authorize-security-group-ingress --group-id ${DB} --protocol tcp --port 5432 --source-group ${NODE}`,
    ]);
  });

  it('Noncompliance 2: a rule from the node group on another port', () => {
    const [f] = run(check, withDb(tcp(3306, { UserIdGroupPairs: [{ GroupId: NODE }] })));
    expect(f?.status).toBe('fail');
  });

  it('Noncompliance 3: the DB security group does not exist', () => {
    const [f] = run(check, snapshot({ securityGroups: known([node]) }));
    expect(f).toMatchObject({ status: 'fail', resource: DB });
    expect(f?.detail).toContain('does not exist');
  });

  it('Noncompliance 4: node egress does not allow 5432', () => {
    const db = securityGroup(DB, { IpPermissions: [tcp(5432, { UserIdGroupPairs: [{ GroupId: NODE }] })] });
    const closed = securityGroup(NODE, {
      IpPermissionsEgress: [tcp(443, { IpRanges: [{ CidrIp: '0.0.0.0/0' }] })],
    });
    const [, f] = run(check, snapshot({ securityGroups: known([db, closed]) }));
    expect(f).toMatchObject({ status: 'fail', resource: NODE });
    expect(f?.remediation?.commands[0]).toBe(
      `aws ec2 authorize-security-group-egress --group-id ${NODE} --ip-permissions 'IpProtocol=tcp,FromPort=5432,ToPort=5432,UserIdGroupPairs=[{GroupId=${DB}}]'`,
    );
  });

  it('Noncompliance 5: node egress to a prefix list only does not count', () => {
    const db = securityGroup(DB, { IpPermissions: [tcp(5432, { UserIdGroupPairs: [{ GroupId: NODE }] })] });
    const s3 = securityGroup(NODE, {
      IpPermissionsEgress: [tcp([0, 65535], { PrefixListIds: [{ PrefixListId: 'pl-63a5400a' }] })],
    });
    const [, f] = run(check, snapshot({ securityGroups: known([db, s3]) }));
    expect(f).toMatchObject({ status: 'fail', resource: NODE });
  });

  it('Noncompliance 6: a missing group names the missing id and suggests a filter that cannot fail', () => {
    const findings = run(check, snapshot({ securityGroups: known([node]) }));
    expect(findings.map((f) => [f.resource, f.status])).toEqual([
      [DB, 'fail'],
      [NODE, 'pass'],
    ]);
    const [f] = findings;
    expect(f?.detail).toBe(`Security group ${DB} does not exist: check network.dbSecurityGroupId.`);
    expect(f?.evidence).toEqual({ groupId: DB, missing: [DB] });
    expect(f?.remediation?.commands).toEqual([
      `aws ec2 describe-security-groups --filters Name=group-id,Values=${DB},${NODE}`,
    ]);
  });

  it('Error when DescribeSecurityGroups failed', () => {
    expect(run(check, snapshot({ securityGroups: failed() })).map((f) => f.status)).toEqual(['error']);
  });
});
