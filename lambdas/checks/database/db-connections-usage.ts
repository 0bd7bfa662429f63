import { defineCheck } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { shq } from '../../audit/model.js';
import { psqlRemediation } from './lib.js';
import type { DatabaseSnapshot } from './snapshot.js';
import { DATABASE_META } from './meta.js';

const BY_CLIENT =
  'SELECT usename, application_name, state, count(*) FROM pg_stat_activity GROUP BY 1, 2, 3 ORDER BY 4 DESC;';

/** Compliant when client connections stay below `connectionsWarnPercent` of the slots non-superusers can take. */
export default defineCheck<DatabaseSnapshot>(
  DATABASE_META['db-connections-usage'],
  (snap, { deployment }) => {
    const u = need(snap.usage);
    const t = deployment.thresholds;
    const available = Math.max(1, u.maxConnections - u.reservedConnections);
    const percent = Math.round((u.connections / available) * 1000) / 10;
    const evidence = { ...u, availableConnections: available, percent };
    const summary = `${u.connections} of ${available} connection slots in use (${percent}%)`;
    if (percent < t.connectionsWarnPercent) {
      return [{ status: 'pass', resource: snap.resource, detail: `${summary}.`, evidence }];
    }
    const critical = percent >= t.connectionsCriticalPercent;
    return [
      {
        status: 'fail',
        reason: critical ? 'saturated' : 'near-limit',
        resource: snap.resource,
        detail: `${summary}, at or above ${critical ? t.connectionsCriticalPercent : t.connectionsWarnPercent}%.`,
        evidence,
        remediation: psqlRemediation(
          deployment,
          'Find which clients hold the connections (idle ones are often a pool sized too large), lower the ' +
            'coderd/provisioner pool sizes or put RDS Proxy in front, or move to a larger instance class.',
          (psql) => [
            psql(BY_CLIENT),
            `aws rds describe-db-clusters --db-cluster-identifier ${shq(deployment.aurora.clusterId)} --region ${shq(deployment.aws.region)}`,
          ],
        ),
      },
    ];
  },
);
