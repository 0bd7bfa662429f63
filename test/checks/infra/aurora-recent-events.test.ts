import { describe, expect, it } from 'vitest';
import check from '../../../lambdas/checks/infra/aurora-recent-events.js';
import { known } from '../../../lambdas/audit/fact.js';
import { IDS, deployment, failed, only, rdsEvent, run, snapshot } from './fixtures.js';

const failover = rdsEvent({
  EventCategories: ['failover'],
  Message: 'Started cross AZ failover to DB instance: coder-prod-aurora-2',
});
const failure = rdsEvent({
  SourceIdentifier: `${IDS.auroraClusterId}-1`,
  SourceType: 'db-instance',
  EventCategories: ['failure'],
  Message: 'The database instance has failed.',
});

describe('Check: aurora-recent-events', () => {
  it('Compliance', () => {
    const f = only(run(check, snapshot()));
    expect(f).toMatchObject({ status: 'pass', severity: 'info', resource: IDS.auroraClusterId });
    expect(f.evidence).toMatchObject({ windowMinutes: 60, events: 1 });
    expect(only(run(check, snapshot({ auroraEvents: known([]) }))).status).toBe('pass');
  });

  it('Noncompliance 1: failover is high', () => {
    const f = only(run(check, snapshot({ auroraEvents: known([rdsEvent(), failover]) })));
    expect(f).toMatchObject({ status: 'fail', severity: 'high', reason: 'failover' });
    expect(f.detail).toContain('cross AZ failover');
    expect(f.remediation?.commands).toEqual([
      `aws rds describe-events --source-identifier ${IDS.auroraClusterId} --source-type db-cluster --duration 60`,
    ]);
  });

  it('Noncompliance 2: one finding per kind: the instance failure is critical and points at the instance events', () => {
    const d = deployment((c) => (c.thresholds.auroraEventWindowMinutes = 180));
    const found = run(check, snapshot({ auroraEvents: known([failover, failure]) }), d);
    expect(found.map((f) => [f.reason, f.severity])).toEqual([
      ['failure', 'critical'],
      ['failover', 'high'],
    ]);
    expect(found[0]!.remediation?.commands).toEqual([
      `aws rds describe-events --source-identifier ${IDS.auroraClusterId}-1 --source-type db-instance --duration 180`,
    ]);
    expect(new Set(found.map((f) => f.fingerprint)).size).toBe(2);
  });

  it('Noncompliance 3: a "failed" message outside the failure category fails', () => {
    const e = rdsEvent({ EventCategories: ['notification'], Message: 'Automated backup failed' });
    expect(only(run(check, snapshot({ auroraEvents: known([e]) }))).status).toBe('fail');
  });

  it('Noncompliance 4: a notification event is reported at low severity', () => {
    const e = rdsEvent({ EventCategories: ['notification'], Message: 'DB cluster is being patched' });
    expect(only(run(check, snapshot({ auroraEvents: known([e]) })))).toMatchObject({
      status: 'fail',
      severity: 'low',
    });
    const both = run(check, snapshot({ auroraEvents: known([e, failover]) }));
    expect(both.map((f) => [f.reason, f.severity])).toEqual([
      ['failover', 'high'],
      ['notification', 'low'],
    ]);
  });

  it('Error when DescribeEvents failed', () => {
    expect(only(run(check, snapshot({ auroraEvents: failed() }))).status).toBe('error');
  });
});
