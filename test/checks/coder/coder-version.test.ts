import { describe, expect, it } from 'vitest';
import { known } from '../../../lambdas/audit/fact.js';
import { evaluateCheck } from '../../../lambdas/audit/runner.js';
import check from '../../../lambdas/checks/coder/coder-version.js';
import { coderDeployment, coderSnapshot, failed, NOW } from './fixtures.js';

describe('Check: coder-version', () => {
  it('Compliance', () => {
    const [f] = evaluateCheck(check, coderSnapshot(), coderDeployment(), NOW);
    expect(f).toMatchObject({ status: 'pass', severity: 'info', evidence: { version: 'v2.24.2' } });
  });

  it('Noncompliance 1: not a release version', () => {
    const snap = coderSnapshot({ buildInfo: known({ version: 'devel' }) });
    const [f] = evaluateCheck(check, snap, coderDeployment(), NOW);
    expect(f).toMatchObject({ status: 'fail', evidence: { version: 'devel' } });
  });

  it('errors on malformed build info', () => {
    const snap = coderSnapshot({
      buildInfo: failed('Coder build info', 'GET /api/v2/buildinfo: the response is not valid JSON'),
    });
    const [f] = evaluateCheck(check, snap, coderDeployment(), NOW);
    expect(f).toMatchObject({ status: 'error' });
    expect(f!.detail).toContain('not valid JSON');
  });
});
