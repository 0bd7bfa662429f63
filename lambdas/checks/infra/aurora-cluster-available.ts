import { defineCheck } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { SEVERITIES, shq, type Severity } from '../../audit/model.js';
import type { InfraSnapshot } from './collector.js';
import { INFRA_META } from './meta.js';

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

type Reason = 'cluster-unavailable' | 'no-writer' | 'writer-unavailable' | 'reader-unavailable';
/** A status that still serves is an operation in progress (medium); any other, an outage of that member. */
const problem = (text: string, status: string, outage: Reason, severity: Severity) =>
  SERVING.has(status)
    ? { text, reason: 'operation-in-progress', severity: 'medium' as Severity }
    : { text, reason: outage, severity };

/** Compliant when the Aurora cluster is `available`, has a writer, and every member instance is `available`. */
export default defineCheck<InfraSnapshot>(INFRA_META['aurora-cluster-available'], (snap, { deployment }) => {
  const id = deployment.aurora.clusterId;
  const db = need(snap.auroraCluster);
  const remediation = {
    text: 'Inspect the cluster and its members; a failed writer needs a failover or an instance reboot.',
    commands: [`aws rds describe-db-clusters --db-cluster-identifier ${shq(id)}`],
  };
  if (!db) {
    const detail = `Aurora cluster ${id} does not exist.`;
    const evidence = { clusterId: id };
    return [{ status: 'fail', reason: 'missing', resource: id, detail, evidence, remediation }];
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
    status !== 'available' &&
      problem(`cluster status is ${status}`, status, 'cluster-unavailable', 'critical'),
    !writer && { text: 'no writer instance', reason: 'no-writer', severity: 'critical' as Severity },
    ...down.map((m) =>
      m.writer
        ? problem(`writer ${m.id} is ${m.status}`, m.status, 'writer-unavailable', 'critical')
        : problem(`reader ${m.id} is ${m.status}`, m.status, 'reader-unavailable', 'high'),
    ),
  ].filter((p) => p !== false);
  const evidence = { status, members: members.slice(0, 10) };
  if (problems.length === 0) {
    const detail = `Aurora cluster ${id} and its ${members.length} members are available.`;
    return [{ status: 'pass', resource: id, detail, evidence }];
  }
  // The most severe problem gives the reason (the first of that severity, in the order above).
  const worst = SEVERITIES.flatMap((v) => problems.filter((p) => p.severity === v))[0]!;
  const detail = `Aurora cluster ${id}: ${problems.map((p) => p.text).join('; ')}.`;
  return [{ status: 'fail', reason: worst.reason, resource: id, detail, evidence, remediation }];
});
