import { defineCheck } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { psqlRemediation } from './lib.js';
import type { DatabaseSnapshot } from './snapshot.js';
import { DATABASE_META } from './meta.js';

const GIB = 1024 ** 3;
const LARGEST_TABLES =
  'SELECT relname, pg_size_pretty(pg_total_relation_size(relid)) FROM pg_statio_user_tables ' +
  'ORDER BY pg_total_relation_size(relid) DESC LIMIT 10;';

/** Compliant when `pg_database_size` stays below `databaseSizeWarnGiB`. */
export default defineCheck<DatabaseSnapshot>(DATABASE_META['db-size'], (snap, { deployment }) => {
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
      reason: 'over-budget',
      resource: snap.resource,
      detail: `Database size is ${gib} GiB, at or above the ${limit} GiB threshold.`,
      evidence,
      remediation: psqlRemediation(
        deployment,
        'Find the largest tables and prune what Coder lets you retire (old workspace builds, agent logs, audit logs).',
        (psql) => [psql(LARGEST_TABLES)],
      ),
    },
  ];
});
