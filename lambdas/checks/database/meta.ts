import { defineMetas } from '../../audit/check.js';
import { GuideSection } from '../../audit/guide.js';

/**
 * Metadata of the database checks, written once: id (the key), severity, title, description, risk, runbook
 * section and the reasons each can report (see lambdas/checks/infra/meta.ts).
 */
export const DATABASE_META = defineMetas('database', {
  'db-connectivity': {
    severity: 'critical',
    title: 'Database accepts connections',
    description:
      'Connects to the Coder database over TLS as the auditor role and times a SELECT 1 round trip; TLS ' +
      'turned off in the configuration is reported at medium severity.',
    risk: 'coderd cannot start or serve requests without its database: the whole platform is down or degraded.',
    guideSection: GuideSection.DatabaseConnection,
    // One reason per DbFailure of lambdas/clients/pg.ts, `slow`, and `tls-off` (the configuration's choice).
    reasons: {
      refused: { message: 'The database refuses or resets connections.', severity: 'critical' },
      timeout: { message: 'The database does not answer in time.', severity: 'critical' },
      auth: { message: 'Authentication to the database fails.', severity: 'critical' },
      tls: { message: 'The TLS handshake with the database fails.', severity: 'critical' },
      saturated: {
        message: 'The database turns connections away: too many clients.',
        severity: 'critical',
      },
      'not-found': { message: 'The database does not exist.', severity: 'critical' },
      dns: { message: 'The database host name does not resolve.', severity: 'critical' },
      other: { message: 'Connecting to the database fails.', severity: 'critical' },
      slow: { message: 'Database round trips are slower than the threshold.', severity: 'medium' },
      'tls-off': {
        message: 'TLS to the database is turned off in the configuration (database.tls.disable).',
        severity: 'medium',
      },
    },
  },
  'db-connections-usage': {
    severity: 'high',
    title: 'Database connection slots are not exhausted',
    description:
      'Compares client connections in pg_stat_activity with max_connections minus the reserved slots.',
    risk: 'When the slots run out, coderd and provisioners get "too many clients" errors and builds fail.',
    guideSection: GuideSection.DatabaseDebugging,
    reasons: {
      saturated: {
        message: 'Connections use the critical share of the connection slots.',
        severity: 'critical',
      },
      'near-limit': {
        message: 'Connections use the warning share of the connection slots.',
        severity: 'high',
      },
    },
  },
  'db-long-running-queries': {
    severity: 'medium',
    title: 'No long-running queries',
    description: 'Lists active queries in pg_stat_activity older than the threshold (the runbook query).',
    risk: 'Long queries hold locks and connections, block migrations and vacuum, and slow coderd down.',
    guideSection: GuideSection.DatabaseDebugging,
    reasons: {
      'long-running': { message: 'Queries have run longer than the threshold.', severity: 'medium' },
    },
  },
  'db-idle-in-transaction': {
    severity: 'medium',
    title: 'No sessions idle in transaction',
    description: "Lists sessions in state 'idle in transaction' for longer than the threshold.",
    risk: 'An open transaction holds its locks and a connection, and stops vacuum from cleaning up dead rows.',
    guideSection: GuideSection.DatabaseDebugging,
    reasons: {
      'idle-in-transaction': {
        message: 'Sessions have sat idle in a transaction longer than the threshold.',
        severity: 'medium',
      },
    },
  },
  'db-size': {
    severity: 'low',
    title: 'Database size within budget',
    description: "Compares pg_database_size('coder') with the size threshold.",
    risk: 'Unbounded growth (agent logs, audit logs, old builds) raises storage cost and slows backups and queries.',
    guideSection: GuideSection.DatabaseDebugging,
    reasons: {
      'over-budget': { message: 'The database is larger than the size threshold.', severity: 'low' },
    },
  },
});
