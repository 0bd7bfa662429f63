import { describe, expect, it } from 'vitest';
import { known } from '../../../lambdas/audit/fact.js';
import { evaluateCheck } from '../../../lambdas/audit/runner.js';
import check from '../../../lambdas/checks/coder/auditor-token-expiry.js';
import { apiKey, coderDeployment, coderSnapshot, failed, NOW } from './fixtures.js';

const DAY = 86_400_000;
const run = (over: Parameters<typeof coderSnapshot>[0]) =>
  evaluateCheck(check, coderSnapshot(over), coderDeployment(), NOW);

describe('Check: auditor-token-expiry', () => {
  it('Compliance', () => {
    expect(run({})[0]).toMatchObject({
      status: 'pass',
      resource: 'coder-auditor/prod/coder-token',
      evidence: { daysLeft: 60 },
    });
  });

  it('Noncompliance 1: expires within the warning window', () => {
    const [f] = run({ token: known({ valid: true, key: apiKey(3 * DAY) }) });
    expect(f).toMatchObject({ status: 'fail', severity: 'medium', evidence: { daysLeft: 3 } });
    expect(f!.remediation!.commands).toEqual([
      'NEW_CODER_TOKEN=$(coder tokens create --name coder-auditor-$(date +%Y%m) --lifetime 720h)',
      'aws secretsmanager put-secret-value --secret-id coder-auditor/prod/coder-token --secret-string "${NEW_CODER_TOKEN:?the token was not created}"',
    ]);
  });

  it('Noncompliance 2: rejected by Coder (401)', () => {
    const [f] = run({ token: known({ valid: false, status: 401, message: 'API key expired.' }) });
    expect(f).toMatchObject({ status: 'fail', severity: 'high' });
  });

  it('Noncompliance 3: already expired', () => {
    expect(run({ token: known({ valid: true, key: apiKey(-DAY) }) })[0]).toMatchObject({
      status: 'fail',
      severity: 'high',
    });
  });

  it('never puts the key id in the finding', () => {
    const f = run({ token: known({ valid: true, key: apiKey(3 * DAY) }) })[0]!;
    expect(JSON.stringify(f)).not.toContain('kEyId01234');
  });

  it('errors when the token could not be looked up', () => {
    expect(run({ token: failed("the auditor's own Coder API key") })[0]).toMatchObject({ status: 'error' });
  });
});
