import { describe, expect, it } from 'vitest';
import { known } from '../../../lambdas/audit/fact.js';
import { evaluateCheck } from '../../../lambdas/audit/runner.js';
import check from '../../../lambdas/checks/database/db-idle-in-transaction.js';
import { deployment, failed, now, session, snapshot } from './fixtures.js';

describe('Check: db-idle-in-transaction', () => {
  it('Compliance', () => {
    const sessions = known([
      session({ state: 'idle in transaction', stateAgeSeconds: 120, queryAgeSeconds: 9000 }),
      session({ pid: 9, state: 'active', queryAgeSeconds: 9000, stateAgeSeconds: 9000 }),
    ]);
    const [f] = evaluateCheck(check, snapshot({ sessions }), deployment, now);
    expect(f).toMatchObject({ status: 'pass' });
  });

  it('Noncompliance 1: idle transactions are listed with terminate and timeout commands', () => {
    const sessions = known([
      session({ pid: 31, state: 'idle in transaction', stateAgeSeconds: 600, query: 'SELECT ?' }),
      session({ pid: 32, state: 'idle in transaction (aborted)', stateAgeSeconds: 1800 }),
    ]);
    const [f] = evaluateCheck(check, snapshot({ sessions }), deployment, now);
    expect(f).toMatchObject({ status: 'fail', severity: 'medium', evidence: { count: 2 } });
    expect(f!.evidence.sessions).toMatchObject([
      { pid: 32, idleSeconds: 1800 },
      { pid: 31, idleSeconds: 600, lastQuery: 'SELECT ?' },
    ]);
    // One psql for all statements: pasted, it asks for the password once.
    expect(f!.remediation!.commands).toEqual([
      `kubectl exec -it deploy/coder -n coder -- psql -h ${deployment.database!.host} -U coder -d coder ` +
        `-c 'SELECT pg_terminate_backend(32);' -c 'SELECT pg_terminate_backend(31);' ` +
        `-c 'ALTER DATABASE coder SET idle_in_transaction_session_timeout = '\\''5min'\\'';'`,
    ]);
  });

  it('yields error when the sessions could not be read', () => {
    const [f] = evaluateCheck(
      check,
      snapshot({ sessions: failed('pg_stat_activity sessions') }),
      deployment,
      now,
    );
    expect(f).toMatchObject({ status: 'error' });
  });
});
