import { defineCheck } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { formatDuration, formatMinutes, psqlRemediation, sqlIdent } from './lib.js';
import type { DatabaseSnapshot } from './snapshot.js';
import { DATABASE_META } from './meta.js';

const SHOWN = 5;

/** Compliant when no session has been idle inside a transaction longer than `idleInTransactionMinutes`. */
export default defineCheck<DatabaseSnapshot>(
  DATABASE_META['db-idle-in-transaction'],
  (snap, { deployment }) => {
    const minutes = deployment.thresholds.idleInTransactionMinutes;
    const idle = need(snap.sessions)
      .filter((s) => s.state.startsWith('idle in transaction') && s.stateAgeSeconds >= minutes * 60)
      .sort((a, b) => b.stateAgeSeconds - a.stateAgeSeconds);
    if (idle.length === 0) {
      return [
        {
          status: 'pass',
          resource: snap.resource,
          detail: `No session idle in transaction longer than ${formatMinutes(minutes)}.`,
        },
      ];
    }
    const shown = idle.slice(0, SHOWN);
    const db = sqlIdent(deployment.database?.database ?? 'coder');
    return [
      {
        status: 'fail',
        reason: 'idle-in-transaction',
        resource: snap.resource,
        detail:
          `${idle.length} ${idle.length === 1 ? 'session has' : 'sessions have'} been idle in a transaction longer ` +
          `than ${formatMinutes(minutes)}; the oldest (pid ${shown[0]!.pid}) for ${formatDuration(shown[0]!.stateAgeSeconds)}.`,
        evidence: {
          thresholdMinutes: minutes,
          count: idle.length,
          sessions: shown.map((s) => ({
            pid: s.pid,
            idleSeconds: Math.round(s.stateAgeSeconds),
            user: s.user,
            applicationName: s.applicationName,
            lastQuery: s.query,
          })),
        },
        remediation: psqlRemediation(
          deployment,
          'Terminate the sessions, find the client that leaves transactions open, and let the server end ' +
            'them automatically with idle_in_transaction_session_timeout.',
          (psql) => [
            psql([
              ...shown.map((s) => `SELECT pg_terminate_backend(${s.pid});`),
              `ALTER DATABASE ${db} SET idle_in_transaction_session_timeout = '5min';`,
            ]),
          ],
        ),
      },
    ];
  },
);
