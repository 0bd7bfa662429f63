import { defineCheck } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { formatDuration, formatMinutes, psqlRemediation } from './lib.js';
import type { DatabaseSnapshot } from './snapshot.js';
import { DATABASE_META } from './meta.js';

const SHOWN = 5;

/** Compliant when no client query has been running longer than `longQueryMinutes`. */
export default defineCheck<DatabaseSnapshot>(
  DATABASE_META['db-long-running-queries'],
  (snap, { deployment }) => {
    const minutes = deployment.thresholds.longQueryMinutes;
    const slow = need(snap.sessions)
      .filter((s) => s.state === 'active' && s.queryAgeSeconds >= minutes * 60)
      .sort((a, b) => b.queryAgeSeconds - a.queryAgeSeconds);
    if (slow.length === 0) {
      return [
        {
          status: 'pass',
          resource: snap.resource,
          detail: `No query has run longer than ${formatMinutes(minutes)}.`,
        },
      ];
    }
    const shown = slow.slice(0, SHOWN);
    return [
      {
        status: 'fail',
        reason: 'long-running',
        resource: snap.resource,
        detail:
          `${slow.length} ${slow.length === 1 ? 'query has' : 'queries have'} been running longer than ` +
          `${formatMinutes(minutes)}; the oldest (pid ${shown[0]!.pid}) for ${formatDuration(shown[0]!.queryAgeSeconds)}.`,
        evidence: {
          thresholdMinutes: minutes,
          count: slow.length,
          queries: shown.map((s) => ({
            pid: s.pid,
            durationSeconds: Math.round(s.queryAgeSeconds),
            user: s.user,
            applicationName: s.applicationName,
            query: s.query,
          })),
        },
        remediation: psqlRemediation(
          deployment,
          'Find out what the query is waiting on; if it is stuck, cancel it (pg_cancel_backend keeps the session).',
          (psql) => [psql(shown.map((s) => `SELECT pg_cancel_backend(${s.pid});`))],
        ),
      },
    ];
  },
);
