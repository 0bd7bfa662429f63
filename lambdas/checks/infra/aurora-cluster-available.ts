import { defineCheck } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { GuideSection } from '../../audit/guide.js';
import { shq } from '../../audit/model.js';
import type { InfraSnapshot } from './collector.js';

/** Compliant when the Aurora cluster is `available`, has a writer, and every member instance is `available`. */
export default defineCheck<InfraSnapshot>(
  {
    id: 'aurora-cluster-available',
    group: 'infra',
    severity: 'critical',
    title: 'Aurora cluster is available',
    description:
      'Reports an Aurora cluster that is missing or not available, has no writer, or has a member instance ' +
      'that is not available (a reader alone is reported at high severity).',
    risk: 'coderd cannot start or serve without its database: the whole platform is down.',
    guideSection: GuideSection.DatabaseConnection,
  },
  (snap, { deployment }) => {
    const id = deployment.aurora.clusterId;
    const db = need(snap.auroraCluster);
    const remediation = {
      text: 'Inspect the cluster and its members; a failed writer needs a failover or an instance reboot.',
      commands: [`aws rds describe-db-clusters --db-cluster-identifier ${shq(id)}`],
    };
    if (!db) {
      return [
        {
          status: 'fail',
          resource: id,
          detail: `Aurora cluster ${id} does not exist.`,
          evidence: { clusterId: id },
          remediation,
        },
      ];
    }
    const instances = new Map(
      need(snap.auroraInstances).map((i) => [i.DBInstanceIdentifier, i.DBInstanceStatus]),
    );
    const members = (db.DBClusterMembers ?? []).map((m) => ({
      id: m.DBInstanceIdentifier ?? '?',
      writer: m.IsClusterWriter === true,
      status: instances.get(m.DBInstanceIdentifier) ?? 'unknown',
    }));
    const status = db.Status ?? 'unknown';
    const writer = members.find((m) => m.writer);
    const down = members.filter((m) => m.status !== 'available');
    const problems = [
      status !== 'available' && `cluster status is ${status}`,
      !writer && 'no writer instance',
      ...down.map((m) => `${m.writer ? 'writer' : 'reader'} ${m.id} is ${m.status}`),
    ].filter(Boolean);
    const evidence = { status, members: members.slice(0, 10) };
    if (problems.length === 0) {
      return [
        {
          status: 'pass',
          resource: id,
          detail: `Aurora cluster ${id} and its ${members.length} members are available.`,
          evidence,
        },
      ];
    }
    const critical = status !== 'available' || !writer || down.some((m) => m.writer);
    return [
      {
        status: 'fail',
        severity: critical ? 'critical' : 'high',
        resource: id,
        detail: `Aurora cluster ${id}: ${problems.join('; ')}.`,
        evidence,
        remediation,
      },
    ];
  },
);
