import { defineCheck } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { GuideSection } from '../../audit/guide.js';
import { psqlCommand } from './lib.js';
import type { DatabaseSnapshot } from './snapshot.js';

const GIB = 1024 ** 3;
const LARGEST_TABLES =
  'SELECT relname, pg_size_pretty(pg_total_relation_size(relid)) FROM pg_statio_user_tables ' +
  'ORDER BY pg_total_relation_size(relid) DESC LIMIT 10;';

/** Compliant when `pg_database_size` stays below `databaseSizeWarnGiB`. */
export default defineCheck<DatabaseSnapshot>(
  {
    id: 'db-size',
    group: 'database',
    severity: 'low',
    title: 'Database size within budget',
    description: "Compares pg_database_size('coder') with the size threshold.",
    risk: 'Unbounded growth (agent logs, audit logs, old builds) raises storage cost and slows backups and queries.',
    guideSection: GuideSection.DatabaseDebugging,
  },
  (snap, { deployment }) => {
    const bytes = need(snap.sizeBytes);
    const limit = deployment.thresholds.databaseSizeWarnGiB;
    const gib = Math.round((bytes / GIB) * 100) / 100;
    const evidence = { sizeBytes: bytes, sizeGiB: gib, thresholdGiB: limit };
    if (gib < limit) {
      return [{ status: 'pass', resource: snap.resource, detail: `Database size is ${gib} GiB.`, evidence }];
    }
    return [
      {
        status: 'fail',
        resource: snap.resource,
        detail: `Database size is ${gib} GiB, at or above the ${limit} GiB threshold.`,
        evidence,
        remediation: {
          text: 'Find the largest tables and prune what Coder lets you retire (old workspace builds, agent logs, audit logs).',
          commands: [psqlCommand(deployment, LARGEST_TABLES)],
        },
      },
    ];
  },
);
