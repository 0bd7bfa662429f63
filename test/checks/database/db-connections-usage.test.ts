import { describe, expect, it } from 'vitest';
import { known } from '../../../lambdas/audit/fact.js';
import { evaluateCheck } from '../../../lambdas/audit/runner.js';
import check from '../../../lambdas/checks/database/db-connections-usage.js';
import { deployment, failed, now, snapshot } from './fixtures.js';

const usage = (connections: number) => known({ connections, maxConnections: 103, reservedConnections: 3 });

describe('Check: db-connections-usage', () => {
  it('Compliance', () => {
    const [f] = evaluateCheck(check, snapshot({ usage: usage(79) }), deployment, now);
    expect(f).toMatchObject({ status: 'pass', evidence: { availableConnections: 100, percent: 79 } });
  });

  it('Noncompliance 1: at the warning percentage is a high failure', () => {
    const [f] = evaluateCheck(check, snapshot({ usage: usage(80) }), deployment, now);
    expect(f).toMatchObject({ status: 'fail', severity: 'high', evidence: { percent: 80 } });
    expect(f!.remediation!.commands[0]).toContain('pg_stat_activity GROUP BY');
    expect(f!.remediation!.commands[0]).toContain(`psql -h ${deployment.database!.host}`);
  });

  it('Noncompliance 2: at the critical percentage is a critical failure', () => {
    const [f] = evaluateCheck(check, snapshot({ usage: usage(97) }), deployment, now);
    expect(f).toMatchObject({ status: 'fail', severity: 'critical', evidence: { percent: 97 } });
  });

  it('yields error when pg_stat_activity could not be read', () => {
    const [f] = evaluateCheck(
      check,
      snapshot({ usage: failed('pg_stat_activity connection count') }),
      deployment,
      now,
    );
    expect(f).toMatchObject({ status: 'error' });
  });
});
