import { defineGroup } from '../../audit/group.js';
import dbConnectionsUsage from './db-connections-usage.js';
import dbConnectivity from './db-connectivity.js';
import dbIdleInTransaction from './db-idle-in-transaction.js';
import dbLongRunningQueries from './db-long-running-queries.js';
import dbSize from './db-size.js';
import type { DatabaseSnapshot } from './snapshot.js';

/** The Coder database (Aurora PostgreSQL), read over one TLS connection as the auditor role. */
export const databaseGroup = defineGroup<DatabaseSnapshot>({
  id: 'database',
  skipReason: (d) => (d.database ? undefined : 'no database configured (deployment.database)'),
  // Loaded when the group runs (the catalogue and `coder-audit checks` need no client library), before
  // any group's clock starts.
  load: () => import('./collect.js'),
  collect: async (ctx) => (await import('./collect.js')).collectDatabase(ctx),
  checks: [dbConnectivity, dbConnectionsUsage, dbLongRunningQueries, dbIdleInTransaction, dbSize],
});
