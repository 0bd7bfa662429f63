import { describe, expect, it } from 'vitest';
import { known } from '../../../lambdas/audit/fact.js';
import { evaluateCheck } from '../../../lambdas/audit/runner.js';
import check from '../../../lambdas/checks/infra/ebs-quota.js';
import type { EbsUsage } from '../../../lambdas/checks/infra/ebs.js';
import { deployment, failed, healthySnapshot, NOW } from './fixtures.js';

const QUOTA = { ServiceCode: 'ebs', QuotaCode: 'L-7A658B76', Value: 50 };
const run = (usedGiB: number, over: Partial<EbsUsage> = {}) =>
  evaluateCheck(
    check,
    {
      ...healthySnapshot(),
      ebs: known({ volumeType: 'gp3', quota: QUOTA, usedGiB, volumes: 10, truncated: false, ...over }),
    },
    deployment(),
    NOW,
  )[0]!;

describe('Check: ebs-quota', () => {
  it('Compliance', () => {
    expect(run(6400)).toMatchObject({ status: 'pass', evidence: { percent: 12.5, quotaTiB: 50 } });
  });

  it('Noncompliance 1: at 80% of the quota (medium), at 100% (high)', () => {
    expect(run(0.8 * 51200)).toMatchObject({ status: 'fail', reason: 'near-limit', severity: 'medium' });
    const f = run(52000);
    expect(f).toMatchObject({ reason: 'exceeded', severity: 'high', evidence: { percent: 101.6 } });
    expect(f.remediation!.commands[0]).toBe(
      'aws service-quotas request-service-quota-increase --service-code ebs --quota-code L-7A658B76 --desired-value 70',
    );
  });

  it('says the usage is a lower bound when not every volume was read', () => {
    expect(run(45000, { truncated: true }).detail).toContain('use at least 43.9 TiB');
  });

  it('Error when the volumes or the quota could not be read', () => {
    const f = evaluateCheck(
      check,
      { ...healthySnapshot(), ebs: failed('ec2:DescribeVolumes') },
      deployment(),
      NOW,
    )[0]!;
    expect(f.status).toBe('error');
  });
});
