import { describe, expect, it } from 'vitest';
import { CATALOGUE, catalogueOf, groupCheckId } from '../../lambdas/checks/catalogue.js';
import { GROUPS } from '../../lambdas/checks/index.js';

describe('Registry: check catalogue', () => {
  it('lists exactly the metadata of every registered check, in catalogue order', () => {
    expect(Object.keys(CATALOGUE)).toEqual(GROUPS.map((g) => g.id));
    expect(CATALOGUE).toEqual(catalogueOf(GROUPS));
  });

  it('never uses a real check id for the placeholder of a whole group', () => {
    const ids = new Set(GROUPS.flatMap((g) => g.checks.map((c) => c.meta.id)));
    for (const g of GROUPS) expect(ids.has(groupCheckId(g.id)), g.id).toBe(false);
  });
});
