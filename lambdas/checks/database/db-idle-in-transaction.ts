import { defineCheck } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { GuideSection } from '../../audit/guide.js';
import { formatDuration, formatMinutes, psqlCommand, sqlIdent } from './lib.js';
import type { DatabaseSnapshot } from './snapshot.js';

const SHOWN = 5;

/** Compliant when no session has been idle inside a transaction longer than `idleInTransactionMinutes`. */
export default defineCheck<DatabaseSnapshot>(
  {
    id: 'db-idle-in-transaction',
    group: 'database',
    severity: 'medium',
    title: 'No sessions idle in transaction',
    description: "Lists sessions in state 'idle in transaction' for longer than the threshold.",
    risk: 'An open transaction holds its locks and a connection, and stops vacuum from cleaning up dead rows.',
    guideSection: GuideSection.DatabaseDebugging,
  },
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
        remediation: {
          text:
            'Terminate the sessions, find the client that leaves transactions open, and let the server end ' +
            'them automatically with idle_in_transaction_session_timeout.',
          commands: [
            psqlCommand(deployment, [
              ...shown.map((s) => `SELECT pg_terminate_backend(${s.pid});`),
              `ALTER DATABASE ${db} SET idle_in_transaction_session_timeout = '5min';`,
            ]),
          ],
        },
      },
    ];
  },
);
