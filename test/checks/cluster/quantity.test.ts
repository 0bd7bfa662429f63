import { describe, expect, it } from 'vitest';
import { quantity } from '../../../lambdas/checks/cluster/quantity.js';

describe('Function: quantity', () => {
  it.each([
    ['250m', 0.25],
    ['2', 2],
    ['412345678n', 0.412345678],
    ['1500u', 0.0015],
    ['1318912Ki', 1318912 * 1024],
    ['4Gi', 4 * 2 ** 30],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['128M', 128e6],
    ['1e3', 1000],
  ])('%s → %d', (q, v) => {
    expect(quantity(q)).toBeCloseTo(v, 9);
  });

  it('is undefined for what is not a quantity', () => {
    expect(quantity('lots')).toBeUndefined();
    expect(quantity('5 Gi')).toBeUndefined();
    expect(quantity(undefined)).toBeUndefined();
  });
});
