import { describe, expect, it } from 'vitest';
import { buildFailure } from '../../../lambdas/checks/coder/build-errors.js';

describe('Function: buildFailure', () => {
  it.each([
    [
      'Coder: Build has been detected as pending for 30 minutes and has been terminated by the reaper.',
      'no-provisioner',
    ],
    [
      'Coder: Build has been detected as hung for 5 minutes and has been terminated by the reaper.',
      'timeout',
    ],
    ['api error RequestLimitExceeded: Request limit exceeded.', 'provider-throttling'],
    ['ThrottlingException: Rate exceeded', 'provider-throttling'],
    ['the server has received too many requests and has asked us to try again later', 'provider-throttling'],
    [
      'VcpuLimitExceeded: You have requested more vCPU capacity than your current vCPU limit',
      'quota-exceeded',
    ],
    ['pods "ws-1" is forbidden: exceeded quota: compute-resources', 'quota-exceeded'],
    ['InsufficientInstanceCapacity: We currently do not have sufficient capacity', 'quota-exceeded'],
    ["Error: timeout while waiting for state to become 'Running'", 'timeout'],
    ['context deadline exceeded', 'timeout'],
    ['Error: Unsupported argument', 'terraform-error'],
    ['', 'terraform-error'],
  ])('%s → %s', (error, cause) => {
    expect(buildFailure({ error })).toBe(cause);
  });

  it('reads codersdk.RequiredTemplateVariables from the error code', () => {
    expect(buildFailure({ error: 'anything', error_code: 'REQUIRED_TEMPLATE_VARIABLES' })).toBe(
      'missing-parameters',
    );
  });
});
