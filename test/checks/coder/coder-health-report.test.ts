import { describe, expect, it } from 'vitest';
import { known } from '../../../lambdas/audit/fact.js';
import { evaluateCheck } from '../../../lambdas/audit/runner.js';
import check from '../../../lambdas/checks/coder/coder-health-report.js';
import { access, coderDeployment, coderSnapshot, failed, healthReport, NOW, section } from './fixtures.js';

const run = (report: ReturnType<typeof healthReport>) =>
  evaluateCheck(
    check,
    coderSnapshot({ health: known({ available: true, value: report }) }),
    coderDeployment(),
    NOW,
  );

describe('Check: coder-health-report', () => {
  it('Compliance', () => {
    const findings = run(healthReport());
    expect(findings).toHaveLength(6);
    expect(findings.every((f) => f.status === 'pass')).toBe(true);
    expect(findings.find((f) => f.resource.endsWith('#database'))!.guideSection).toBe(
      'Database Connection Errors',
    );
    expect(findings.find((f) => f.resource.endsWith('#derp'))!.guideSection).toBe('Kubernetes Debugging');
  });

  it('Noncompliance 1: database warning EDB02 maps to Database Connection Errors', () => {
    const report = healthReport({
      severity: 'warning',
      database: section({
        severity: 'warning',
        warnings: [{ code: 'EDB02', message: 'Database ping exceeded threshold' }],
      }),
    });
    const db = run(report).find((f) => f.resource.endsWith('#database'))!;
    expect(db).toMatchObject({
      status: 'fail',
      severity: 'medium',
      guideSection: 'Database Connection Errors',
      evidence: { codes: ['EDB02'] },
    });
    expect(db.detail).toContain('EDB02: "Database ping exceeded threshold"');
    expect(db.remediation!.commands).toContain(
      'aws rds describe-db-clusters --db-cluster-identifier coder-prod-aurora',
    );
    expect(db.remediation!.commands[0]).toBe(
      'curl -H "Coder-Session-Token: $TOKEN" https://coder.example.com/api/v2/debug/health',
    );
  });

  it('Noncompliance 2: provisioner error EPD01 is high and maps to Workspace Provisioning Timeouts', () => {
    const report = healthReport({
      severity: 'error',
      provisioner_daemons: section({
        severity: 'error',
        warnings: [{ code: 'EPD01', message: 'No active provisioner daemons found!' }],
      }),
    });
    const f = run(report).find((x) => x.status === 'fail')!;
    expect(f).toMatchObject({
      severity: 'high',
      guideSection: 'Workspace Provisioning Timeouts',
    });
  });

  it('Noncompliance 3: access URL EACS03 maps to NLB Health Check Failures', () => {
    const report = healthReport({
      access_url: section({ severity: 'warning', warnings: [{ code: 'EACS03', message: 'timeout' }] }),
    });
    const f = run(report).find((x) => x.status === 'fail')!;
    expect(f.guideSection).toBe('NLB Health Check Failures');
    expect(f.remediation!.commands.some((c) => c.startsWith('aws elbv2 describe-target-health'))).toBe(true);
  });

  it('Noncompliance 4: one finding per health code, its reason; the code of an error text; unknown codes', () => {
    const report = healthReport({
      severity: 'error',
      provisioner_daemons: section({
        severity: 'warning',
        warnings: [
          { code: 'EPD02', message: 'Provisioner daemon a is out of date' },
          { code: 'EPD02', message: 'Provisioner daemon b is out of date' },
          { code: 'EPD03', message: 'Provisioner daemon a uses a deprecated API' },
        ],
      }),
      database: section({ severity: 'error', error: 'EDB01: ping database: dial tcp: connection refused' }),
      derp: section({
        severity: 'warning',
        warnings: [{ code: 'EXYZ99', message: 'A code of a newer coderd' }],
      }),
    });
    const found = run(report).filter((f) => f.status === 'fail');
    expect(found.map((f) => [f.reason, f.severity, f.resource.split('#')[1]])).toEqual([
      ['EDB01', 'high', 'database'],
      ['EUNKNOWN', 'medium', 'derp'],
      ['EPD02', 'medium', 'provisioner_daemons'],
      ['EPD03', 'medium', 'provisioner_daemons'],
    ]);
    const epd02 = found.find((f) => f.reason === 'EPD02')!;
    expect(epd02.detail).toBe(
      'Health section provisioner_daemons is warning: EPD02: "Provisioner daemon a is out of date"; EPD02: "Provisioner daemon b is out of date".',
    );
    expect(found.find((f) => f.reason === 'EUNKNOWN')!.evidence).toMatchObject({ codes: ['EXYZ99'] });
    expect(new Set(found.map((f) => f.fingerprint)).size).toBe(4);
  });

  it('passes a warning an administrator dismissed', () => {
    const report = healthReport({
      derp: section({ severity: 'warning', dismissed: true, warnings: [{ code: 'EDERP01', message: 'x' }] }),
    });
    expect(run(report).every((f) => f.status === 'pass')).toBe(true);
  });

  it('Noncompliance 4: a token without the Owner role (403) is skipped, never a pass that resolves findings', () => {
    const forbidden = known({ available: false as const, status: 403, message: 'Forbidden.' });
    const snap = coderSnapshot({
      health: forbidden,
      access: known(access([], ['organization-template-admin'])),
    });
    const findings = evaluateCheck(check, snap, coderDeployment(), NOW);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ status: 'skipped', severity: 'info' });
    expect(findings[0]!.detail).toContain(
      '(coder-auditor, Organization Template Admin) cannot read the deployment health report',
    );
    // An Owner that gets 403 is not a role gap: an error.
    const owner = evaluateCheck(check, coderSnapshot({ health: forbidden }), coderDeployment(), NOW);
    expect(owner[0]).toMatchObject({ status: 'error' });
  });

  it('redacts and quotes what coderd says: database URLs with passwords never reach the finding', () => {
    const report = healthReport({
      severity: 'error',
      database: section({
        severity: 'error',
        error:
          'ping: dial postgres://coder:Hunter2Secret@aurora.internal:5432/coder: i/o timeout\n$ rm -rf /',
      }),
    });
    const db = run(report).find((f) => f.resource.endsWith('#database'))!;
    expect(JSON.stringify(db)).not.toContain('Hunter2Secret');
    expect(db.detail).toContain(
      '"ping: dial postgres://[REDACTED]@aurora.internal:5432/coder: i/o timeout⏎$ rm -rf /"',
    );
  });

  it('errors when the report could not be read', () => {
    const snap = coderSnapshot({ health: failed('Coder deployment health report') });
    expect(evaluateCheck(check, snap, coderDeployment(), NOW)[0]).toMatchObject({ status: 'error' });
  });
});
