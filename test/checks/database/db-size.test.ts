import { describe, expect, it } from 'vitest';
import { known } from '../../../lambdas/audit/fact.js';
import { evaluateCheck } from '../../../lambdas/audit/runner.js';
import check from '../../../lambdas/checks/database/db-size.js';
import { deployment, failed, now, snapshot } from './fixtures.js';

const GiB = 1024 ** 3;

describe('Check: db-size', () => {
  it('Compliance', () => {
    const [f] = evaluateCheck(check, snapshot({ sizeBytes: known(12.5 * GiB) }), deployment, now);
    expect(f).toMatchObject({
      status: 'pass',
      detail: 'Database size is 12.5 GiB.',
      evidence: { sizeGiB: 12.5 },
    });
  });

  it('Noncompliance 1: at or above the threshold is a low failure', () => {
    const [f] = evaluateCheck(check, snapshot({ sizeBytes: known(512 * GiB) }), deployment, now);
    expect(f).toMatchObject({
      status: 'fail',
      severity: 'low',
      evidence: { sizeGiB: 512, thresholdGiB: 500 },
    });
    expect(f!.remediation!.commands[0]).toContain('pg_total_relation_size');
  });

  it('yields error when the size could not be read', () => {
    const [f] = evaluateCheck(check, snapshot({ sizeBytes: failed('pg_database_size') }), deployment, now);
    expect(f).toMatchObject({ status: 'error' });
  });
});
