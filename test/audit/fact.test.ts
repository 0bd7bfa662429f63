import { describe, expect, it } from 'vitest';
import { DeadlineError, FactUnavailableError } from '../../lambdas/audit/errors.js';
import { need, settle } from '../../lambdas/audit/fact.js';

describe('Function: settle', () => {
  it('keeps the value of a successful read', async () => {
    expect(await settle('x', async () => 42)).toEqual({ ok: true, value: 42 });
  });

  it('turns a rejection into a failed fact with the error name', async () => {
    const err = Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' });
    expect(await settle('ec2:DescribeSecurityGroups', () => Promise.reject(err))).toEqual({
      ok: false,
      name: 'ec2:DescribeSecurityGroups',
      error: 'AccessDeniedException: User is not authorized',
    });
  });

  it('resolves at the deadline even when the read never settles', async () => {
    const c = new AbortController();
    const pending = settle('hang', () => new Promise<never>(() => {}), c.signal);
    c.abort(new DeadlineError('check group infra', 100));
    expect(await pending).toEqual({
      ok: false,
      name: 'hang',
      error: 'check group infra did not finish within 100 ms',
    });
  });
});

describe('Function: need', () => {
  it('throws FactUnavailableError for a failed fact', () => {
    expect(() => need({ ok: false, name: 'rds:DescribeEvents', error: 'Throttling' })).toThrowError(
      FactUnavailableError,
    );
  });
});
