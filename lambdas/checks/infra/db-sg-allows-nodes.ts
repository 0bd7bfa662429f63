import type { IpPermission, SecurityGroup } from '@aws-sdk/client-ec2';
import { defineCheck, type FindingInput } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { GuideSection } from '../../audit/guide.js';
import { shq } from '../../audit/model.js';
import type { InfraSnapshot } from './collector.js';
import { POSTGRES_PORT, coversTcpPort } from './ip-permissions.js';

const pairs = (rule: IpPermission, groupId: string) =>
  (rule.UserIdGroupPairs ?? []).some((p) => p.GroupId === groupId);
const anyCidr = (rule: IpPermission) =>
  (rule.IpRanges ?? []).length + (rule.Ipv6Ranges ?? []).length + (rule.PrefixListIds ?? []).length > 0;

/** Compliant when the DB security group admits TCP 5432 from the node security group, and the nodes may send it. */
export default defineCheck<InfraSnapshot>(
  {
    id: 'db-sg-allows-nodes',
    group: 'infra',
    severity: 'critical',
    title: 'Nodes can reach the database port',
    description:
      'Reports a DB security group that is missing or has no ingress rule for TCP 5432 (or all traffic) from ' +
      'the node security group, and a node security group that is missing or whose egress blocks TCP 5432.',
    risk: 'coderd cannot connect to Aurora (connection refused, timeouts): pods crash-loop and NLB targets go unhealthy.',
    guideSection: GuideSection.DatabaseConnection,
  },
  (snap, { deployment }) => {
    const { dbSecurityGroupId: dbSg, nodeSecurityGroupId: nodeSg } = deployment.network;
    const groups = need(snap.securityGroups);
    const port = POSTGRES_PORT;
    const egress = shq(`IpProtocol=tcp,FromPort=${port},ToPort=${port},UserIdGroupPairs=[{GroupId=${dbSg}}]`);
    const sides = [
      {
        sg: dbSg,
        field: 'network.dbSecurityGroupId',
        rules: (g: SecurityGroup) => g.IpPermissions,
        allows: (r: IpPermission) => pairs(r, nodeSg),
        rule: `ingress rule for TCP ${port} from the node security group ${nodeSg}`,
        command: `aws ec2 authorize-security-group-ingress --group-id ${shq(dbSg)} --protocol tcp --port ${port} --source-group ${shq(nodeSg)}`,
      },
      {
        sg: nodeSg,
        field: 'network.nodeSecurityGroupId',
        rules: (g: SecurityGroup) => g.IpPermissionsEgress,
        allows: (r: IpPermission) => pairs(r, dbSg) || anyCidr(r),
        rule: `egress rule allowing TCP ${port} to the DB security group ${dbSg}`,
        command: `aws ec2 authorize-security-group-egress --group-id ${shq(nodeSg)} --ip-permissions ${egress}`,
      },
    ];
    return sides.map((s): FindingInput => {
      const group = groups.find((g) => g.GroupId === s.sg);
      if (!group) {
        return {
          status: 'fail',
          resource: s.sg,
          detail: `Security group ${s.sg} does not exist: check ${s.field}.`,
          evidence: { groupId: s.sg },
          remediation: {
            text: 'Find the security group in use (Aurora cluster / EKS nodes) and fix the configuration.',
            commands: [`aws ec2 describe-security-groups --group-ids ${shq(dbSg)} ${shq(nodeSg)}`],
          },
        };
      }
      const rules = s.rules(group) ?? [];
      const evidence = { groupId: s.sg, rules: rules.length };
      if (rules.some((r) => coversTcpPort(r, port) && s.allows(r))) {
        return { status: 'pass', resource: s.sg, detail: `${s.sg} has an ${s.rule}.`, evidence };
      }
      return {
        status: 'fail',
        resource: s.sg,
        detail: `${s.sg} has no ${s.rule}.`,
        evidence,
        remediation: { text: `Allow the nodes to reach PostgreSQL on port ${port}.`, commands: [s.command] },
      };
    });
  },
);
