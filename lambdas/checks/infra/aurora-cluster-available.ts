import { defineCheck } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { GuideSection } from '../../audit/guide.js';
import { SEVERITIES, shq, type Severity } from '../../audit/model.js';
import type { InfraSnapshot } from './collector.js';

/**
 * Cluster and instance statuses (RDS "DB cluster status" / "DB instance status" tables) in which the database
 * still serves traffic: an operation in progress, reported at medium. Any other status is an outage.
 */
const SERVING = new Set(
  (
    'backing-up backtracking maintenance modifying storage-optimization update-iam-db-auth upgrading ' +
    'configuring-enhanced-monitoring configuring-iam-database-auth configuring-log-exports'
  ).split(' '),
);

/** Medium for a status that still serves, else the severity of an outage of that member. */
const rank = (status: string, outage: Severity): Severity => (SERVING.has(status) ? 'medium' : outage);

/** Compliant when the Aurora cluster is `available`, has a writer, and every member instance is `available`. */
export default defineCheck<InfraSnapshot>(
  {
    id: 'aurora-cluster-available',
    group: 'infra',
    severity: 'critical',
    title: 'Aurora cluster is available',
    description:
      'Reports an Aurora cluster that is missing or not available, has no writer, or has a member instance ' +
      'that is not available (a reader alone is high; a status that still serves, e.g. backing-up, medium).',
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
      const detail = `Aurora cluster ${id} does not exist.`;
      return [{ status: 'fail', resource: id, detail, evidence: { clusterId: id }, remediation }];
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
      status !== 'available' && { text: `cluster status is ${status}`, severity: rank(status, 'critical') },
      !writer && { text: 'no writer instance', severity: 'critical' as const },
      ...down.map((m) => ({
        text: `${m.writer ? 'writer' : 'reader'} ${m.id} is ${m.status}`,
        severity: rank(m.status, m.writer ? 'critical' : 'high'),
      })),
    ].filter((p) => p !== false);
    const evidence = { status, members: members.slice(0, 10) };
    if (problems.length === 0) {
      const detail = `Aurora cluster ${id} and its ${members.length} members are available.`;
      return [{ status: 'pass', resource: id, detail, evidence }];
    }
    const severity = SEVERITIES.find((v) => problems.some((p) => p.severity === v));
    const detail = `Aurora cluster ${id}: ${problems.map((p) => p.text).join('; ')}.`;
    return [{ status: 'fail', severity, resource: id, detail, evidence, remediation }];
  },
);
