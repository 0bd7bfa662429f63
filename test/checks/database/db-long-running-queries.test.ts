import { describe, expect, it } from 'vitest';
import { known } from '../../../lambdas/audit/fact.js';
import { evaluateCheck } from '../../../lambdas/audit/runner.js';
import check from '../../../lambdas/checks/database/db-long-running-queries.js';
import { deployment, failed, now, session, snapshot } from './fixtures.js';

describe('Check: db-long-running-queries', () => {
  it('Compliance', () => {
    const sessions = known([
      session({ queryAgeSeconds: 299 }),
      session({ pid: 7, state: 'idle in transaction', queryAgeSeconds: 4000, stateAgeSeconds: 4000 }),
    ]);
    const [f] = evaluateCheck(check, snapshot({ sessions }), deployment, now);
    expect(f).toMatchObject({ status: 'pass', detail: 'No query has run longer than 5 min.' });
  });

  it('Noncompliance 1: one finding listing the old queries, oldest first, with cancel commands', () => {
    const sessions = known([
      session({ pid: 101, queryAgeSeconds: 400, user: 'coder', applicationName: 'coderd' }),
      session({ pid: 102, queryAgeSeconds: 7300, query: 'SELECT pg_sleep(?)' }),
      session({ pid: 103, queryAgeSeconds: 10 }),
    ]);
    const findings = evaluateCheck(check, snapshot({ sessions }), deployment, now);
    expect(findings).toHaveLength(1);
    const [f] = findings;
    expect(f).toMatchObject({ status: 'fail', severity: 'medium', evidence: { count: 2 } });
    expect(f!.detail).toContain('pid 102');
    expect(f!.detail).toContain('2h 01m');
    expect(f!.evidence.queries).toEqual([
      {
        pid: 102,
        durationSeconds: 7300,
        user: 'coder',
        applicationName: 'coderd',
        query: 'SELECT pg_sleep(?)',
      },
      {
        pid: 101,
        durationSeconds: 400,
        user: 'coder',
        applicationName: 'coderd',
        query: 'SELECT ? FROM workspaces WHERE id = ?',
      },
    ]);
    expect(f!.remediation!.commands).toEqual([
      `kubectl exec -it deploy/coder -n coder -- psql -h ${deployment.database!.host} -U coder -d coder ` +
        `-c 'SELECT pg_cancel_backend(102);' -c 'SELECT pg_cancel_backend(101);'`,
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
