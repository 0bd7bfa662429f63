import { describe, expect, it } from 'vitest';
import {
  linkRootCauses,
  matches,
  rootCausesOf,
  sameScope,
  type CausalLink,
} from '../../lambdas/audit/causality.js';
import { fingerprint, type Finding } from '../../lambdas/audit/model.js';

function f(checkId: string, over: Partial<Finding> = {}): Finding {
  const resource = over.resource ?? `r-${checkId}`;
  return {
    checkId,
    group: 'infra',
    status: 'fail',
    severity: 'high',
    resource,
    title: checkId,
    detail: checkId,
    evidence: {},
    guideSection: 'AWS Debugging',
    fingerprint: fingerprint(checkId, resource, over.reason ?? ''),
    ...over,
  };
}

const LINKS: CausalLink[] = [
  { causes: [{ check: 'a' }], symptoms: [{ check: 'b', reasons: ['x'] }], because: 'a → b/x' },
  {
    causes: [{ check: 'b' }],
    symptoms: [{ check: 'c' }],
    same: ['workload'],
    because: 'b → c, same workload',
  },
  {
    causes: [{ check: 'd', where: { registry: ['ecr'] } }],
    symptoms: [{ check: 'c' }],
    because: 'd (ecr) → c',
  },
];

describe('Function: matches', () => {
  it('Compliance: check, then reasons (none: any), then every where key by one of its values', () => {
    expect(matches(f('b', { reason: 'x' }), { check: 'b', reasons: ['x', 'y'] })).toBe(true);
    expect(matches(f('b'), { check: 'b' })).toBe(true);
    const scoped = f('d', { scope: { registry: ['docker.io', 'ecr'], namespace: 'ns' } });
    expect(matches(scoped, { check: 'd', where: { registry: ['ecr'], namespace: ['ns'] } })).toBe(true);
  });

  it('Noncompliance: another check, an unlisted or absent reason, a missing or other scope value', () => {
    expect(matches(f('a', { reason: 'x' }), { check: 'b' })).toBe(false);
    expect(matches(f('b', { reason: 'z' }), { check: 'b', reasons: ['x'] })).toBe(false);
    expect(matches(f('b'), { check: 'b', reasons: ['x'] })).toBe(false);
    expect(matches(f('d'), { check: 'd', where: { registry: ['ecr'] } })).toBe(false);
    expect(
      matches(f('d', { scope: { registry: 'docker.io' } }), { check: 'd', where: { registry: ['ecr'] } }),
    ).toBe(false);
  });
});

describe('Function: sameScope', () => {
  it('needs a shared value of every key, and never matches a key one side does not set', () => {
    const a = f('a', { scope: { workload: ['deployment/coder', 'pod/x'], nodegroup: 'ws' } });
    expect(sameScope(a, f('b', { scope: { workload: 'deployment/coder' } }), ['workload'])).toBe(true);
    expect(sameScope(a, f('b', { scope: { workload: 'deployment/other' } }), ['workload'])).toBe(false);
    expect(sameScope(a, f('b'), ['workload'])).toBe(false);
    expect(sameScope(a, f('b'), [])).toBe(true);
  });
});

describe('Function: linkRootCauses', () => {
  const a = f('a', { severity: 'medium' });
  const b = f('b', { reason: 'x', scope: { workload: 'deployment/coder' }, severity: 'high' });
  const c = f('c', { scope: { workload: 'deployment/coder' }, severity: 'critical' });
  const rootOf = (list: Finding[], id: string) => list.find((x) => x.checkId === id)?.rootCause;

  it('Compliance: links every symptom of a chain to the most upstream failing cause', () => {
    const out = linkRootCauses([c, b, a], LINKS);
    expect(rootOf(out, 'b')).toBe(a.fingerprint);
    expect(rootOf(out, 'c')).toBe(a.fingerprint);
    expect(rootOf(out, 'a')).toBeUndefined();
    expect(out.map((x) => x.checkId)).toEqual(['c', 'b', 'a']);
  });

  it('Noncompliance 1: a reason the link does not name, or another workload, breaks the chain', () => {
    expect(rootOf(linkRootCauses([a, { ...b, reason: 'y' }], LINKS), 'b')).toBeUndefined();
    const elsewhere = { ...c, scope: { workload: 'deployment/other' } };
    expect(rootOf(linkRootCauses([a, b, elsewhere], LINKS), 'c')).toBeUndefined();
  });

  it('Noncompliance 2: a passing or erroring cause explains nothing; a passing symptom has no cause', () => {
    expect(rootOf(linkRootCauses([{ ...a, status: 'pass' }, b], LINKS), 'b')).toBeUndefined();
    expect(rootOf(linkRootCauses([{ ...a, status: 'error' }, b], LINKS), 'b')).toBeUndefined();
    expect(rootOf(linkRootCauses([a, { ...b, status: 'pass' }], LINKS), 'b')).toBeUndefined();
  });

  it('Noncompliance 3: scope filters narrow the causes (an image registry)', () => {
    expect(
      rootOf(linkRootCauses([f('d', { scope: { registry: 'docker.io' } }), c], LINKS), 'c'),
    ).toBeUndefined();
    const ecr = f('d', { scope: { registry: 'ecr' } });
    expect(rootOf(linkRootCauses([ecr, c], LINKS), 'c')).toBe(ecr.fingerprint);
  });

  it('prefers the deepest chain, then the order of the links', () => {
    const ecr = f('d', { scope: { registry: 'ecr' } });
    // c has two direct causes: b (depth 2 through a) and d (depth 1): a wins.
    expect(rootOf(linkRootCauses([ecr, a, b, c], LINKS), 'c')).toBe(a.fingerprint);
    // Without a, b and d are both one step away: b's link comes first.
    expect(rootOf(linkRootCauses([ecr, b, c], LINKS), 'c')).toBe(b.fingerprint);
  });

  it('reads no prose: titles, details and evidence do not change a single link', () => {
    const prose = (x: Finding): Finding => ({
      ...x,
      title: 'secret image pull database connection refused oidc',
      detail: 'ImagePullBackOff: secret "coder-db-credentials" not found; dial tcp 10.0.0.1:5432',
      evidence: { message: 'postgres pq: connection refused', image: 'ecr' },
    });
    const plain = linkRootCauses([a, b, c], LINKS).map((x) => x.rootCause);
    const noisy = linkRootCauses([a, b, c].map(prose), LINKS).map((x) => x.rootCause);
    expect(noisy).toEqual(plain);
    expect(linkRootCauses([prose(f('z')), prose(c)], LINKS).every((x) => !x.rootCause)).toBe(true);
  });

  it('survives a cycle and drops a stale root cause', () => {
    const loop: CausalLink[] = [
      { causes: [{ check: 'a' }], symptoms: [{ check: 'b' }], because: '' },
      { causes: [{ check: 'b' }], symptoms: [{ check: 'a' }], because: '' },
    ];
    const out = linkRootCauses([a, b], loop);
    expect(out).toHaveLength(2);
    expect(linkRootCauses([{ ...c, rootCause: 'gone' }], LINKS)[0]).not.toHaveProperty('rootCause');
  });
});

describe('Function: rootCausesOf', () => {
  it('lists every unexplained failure with its symptoms, by effective severity', () => {
    const a = f('a', { severity: 'medium' });
    const b = f('b', { reason: 'x', severity: 'critical' });
    const lone = f('z', { severity: 'high' });
    const roots = rootCausesOf(linkRootCauses([lone, b, a, f('e', { status: 'error' })], LINKS));
    expect(roots.map((r) => [r.checkId, r.severity, r.effectiveSeverity, r.symptoms])).toEqual([
      ['a', 'medium', 'critical', [b.fingerprint]],
      ['z', 'high', 'high', []],
    ]);
  });

  const mute = { until: '2026-12-31', by: 'data-team', because: 'accepted' };

  it('leaves muted symptoms out of their cause: not among its symptoms, not in its effective severity', () => {
    const a = f('a', { severity: 'medium' });
    const b = f('b', { reason: 'x', severity: 'critical', muted: mute });
    const linked = linkRootCauses([a, b], LINKS);
    // The link itself holds: a mute accepts a risk, it does not make the finding untrue.
    expect(linked[1]?.rootCause).toBe(a.fingerprint);
    expect(rootCausesOf(linked).map((r) => [r.checkId, r.effectiveSeverity, r.symptoms])).toEqual([
      ['a', 'medium', []],
    ]);
  });

  it('keeps a muted cause as the root of failures that are not muted, marked, its severity not counted', () => {
    const a = f('a', { severity: 'critical', muted: mute });
    const b = f('b', { reason: 'x', severity: 'medium' });
    const lone = f('z', { severity: 'high' });
    const roots = rootCausesOf(linkRootCauses([a, b, lone], LINKS));
    expect(roots.map((r) => [r.checkId, r.severity, r.effectiveSeverity, r.symptoms, r.muted])).toEqual([
      ['z', 'high', 'high', [], undefined],
      ['a', 'critical', 'medium', [b.fingerprint], mute],
    ]);
  });

  it('drops a muted failure that explains nothing that counts: alone, or with muted symptoms only', () => {
    const a = f('a', { muted: mute });
    const b = f('b', { reason: 'x', muted: mute });
    expect(rootCausesOf(linkRootCauses([a, b], LINKS))).toEqual([]);
    expect(rootCausesOf([f('z', { muted: mute })])).toEqual([]);
  });
});
