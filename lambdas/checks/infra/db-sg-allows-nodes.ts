import { defineCheck, type FindingInput } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { shq } from '../../audit/model.js';
import type { InfraSnapshot } from './collector.js';
import { POSTGRES_PORT as PORT, allowedBy } from './ip-permissions.js';
import { INFRA_META } from './meta.js';

/** Compliant when the DB security group admits TCP 5432 from the node security group, and the nodes may send it. */
export default defineCheck<InfraSnapshot>(INFRA_META['db-sg-allows-nodes'], (snap, { deployment }) => {
  const { dbSecurityGroupId: dbSg, nodeSecurityGroupId: nodeSg } = deployment.network;
  const groups = need(snap.securityGroups);
  const missing = [dbSg, nodeSg].filter((id) => !groups.some((g) => g.GroupId === id));
  const egress = shq(`IpProtocol=tcp,FromPort=${PORT},ToPort=${PORT},UserIdGroupPairs=[{GroupId=${dbSg}}]`);
  const sides = [
    { sg: dbSg, peer: nodeSg, field: 'network.dbSecurityGroupId', ingress: true, of: 'the node subnets' },
    { sg: nodeSg, peer: dbSg, field: 'network.nodeSecurityGroupId', ingress: false, of: 'the database' },
  ];
  return sides.map(({ sg, peer, field, ingress, of }): FindingInput => {
    const group = groups.find((g) => g.GroupId === sg);
    if (!group) {
      // A filter, not --group-ids: it lists the groups that exist instead of failing with InvalidGroup.NotFound.
      const list = `aws ec2 describe-security-groups --filters ${shq(`Name=group-id,Values=${dbSg},${nodeSg}`)}`;
      return {
        status: 'fail',
        reason: 'sg-missing',
        resource: sg,
        detail: `Security group ${sg} does not exist: check ${field}.`,
        evidence: { groupId: sg, missing },
        remediation: {
          text: `Find the security group in use (Aurora cluster / EKS nodes) and fix ${field}.`,
          commands: [list],
        },
      };
    }
    const rules = (ingress ? group.IpPermissions : group.IpPermissionsEgress) ?? [];
    const found = allowedBy(rules, PORT, peer);
    const dir = ingress ? 'from' : 'to';
    if (found) {
      const caveat = found.verified ? '' : ` (not verified to contain ${of})`;
      const evidence = { groupId: sg, rules: rules.length, cidrs: found.cidrs };
      return {
        status: 'pass',
        resource: sg,
        detail: `${sg} allows TCP ${PORT} ${dir} ${found.by}${caveat}.`,
        evidence,
      };
    }
    const command = ingress
      ? `aws ec2 authorize-security-group-ingress --group-id ${shq(dbSg)} --protocol tcp --port ${PORT} --source-group ${shq(nodeSg)}`
      : `aws ec2 authorize-security-group-egress --group-id ${shq(nodeSg)} --ip-permissions ${egress}`;
    return {
      status: 'fail',
      reason: ingress ? 'no-ingress' : 'egress-blocked',
      resource: sg,
      detail: `${sg} has no ${ingress ? 'ingress' : 'egress'} rule for TCP ${PORT} ${dir} security group ${peer} or a CIDR.`,
      evidence: { groupId: sg, rules: rules.length },
      remediation: { text: `Allow the nodes to reach PostgreSQL on port ${PORT}.`, commands: [command] },
    };
  });
});
