import { describe, expect, it } from 'vitest';
import type { MuteRule, OverrideRule } from '../../lambdas/audit/config.js';
import { applyMutes, muteEnd, policyFor, type Policy } from '../../lambdas/audit/mutes.js';
import { finding } from '../store/fixtures.js';

const NOW = new Date('2026-11-25T10:00:00Z');

const mute = (over: Partial<MuteRule> = {}): MuteRule => ({
  check: 'db-long-running-queries',
  resource: '*',
  reason: 'nightly ETL',
  owner: 'data-team',
  expires: '2026-12-31',
  ...over,
});
const override = (over: Partial<OverrideRule> & Pick<OverrideRule, 'check'>): OverrideRule => ({
  disabled: false,
  reason: 'accepted in staging',
  ...over,
});
const policy = (mutes: MuteRule[], overrides: OverrideRule[] = []): Policy => ({ mutes, overrides });

describe('Function: applyMutes', () => {
  it('Compliance: a mute in force marks the matching failing finding, and only that one', () => {
    const etl = finding('db-long-running-queries', 'fail', { resource: 'coder-prod-aurora/etl' });
    const other = finding('db-long-running-queries', 'fail', { resource: 'coder-prod-aurora/app' });
    const sg = finding('db-sg-allows-nodes', 'fail');
    const out = applyMutes([etl, other, sg], policy([mute({ resource: '*/etl' })]), NOW);
    expect(out.findings.map((f) => [f.resource, f.muted])).toEqual([
      ['coder-prod-aurora/etl', { until: '2026-12-31', by: 'data-team', because: 'nightly ETL' }],
      ['coder-prod-aurora/app', undefined],
      ['res-db-sg-allows-nodes', undefined],
    ]);
    expect(out.expired).toEqual([]);
    expect(out.unmatched).toEqual([]);
    expect(out.notices).toEqual([]);
  });

  it('matches by reason code when the mute lists reasons: the same check failing for another reason counts', () => {
    const pull = finding('pods-config-errors', 'fail', {
      resource: 'k8s:coder-ws/pod/a',
      reason: 'image-pull',
    });
    const secret = finding('pods-config-errors', 'fail', {
      resource: 'k8s:coder-ws/pod/b',
      reason: 'missing-secret',
    });
    const out = applyMutes(
      [pull, secret],
      policy([mute({ check: 'pods-config-errors', reasons: ['image-pull', 'invalid-image'] })]),
      NOW,
    );
    expect(out.findings.map((f) => [f.reason, f.muted !== undefined])).toEqual([
      ['image-pull', true],
      ['missing-secret', false],
    ]);
    const none = applyMutes(
      [secret],
      policy([mute({ check: 'pods-config-errors', reasons: ['image-pull'] })]),
      NOW,
    );
    expect(none.notices).toEqual([
      'The mute of pods-config-errors/image-pull on * (owner data-team), until 2026-12-31, matches no failing finding: the problem is gone or the pattern is wrong. Remove or correct it.',
    ]);
  });

  it('matches resources with a glob whose * spans slashes and colons', () => {
    const pod = finding('coderd-ready', 'fail', { resource: 'k8s:coder/pod/coder-6f7d9c8b5-k2x8m' });
    const arn = finding('nlb-targets-healthy', 'fail', {
      resource: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/coder-prod/0123',
    });
    const out = applyMutes(
      [pod, arn],
      policy([
        mute({ check: 'coderd-ready', resource: 'k8s:coder/*' }),
        mute({ check: 'nlb-targets-healthy', resource: 'arn:aws:*:targetgroup/coder-{prod,staging}/*' }),
      ]),
      NOW,
    );
    expect(out.findings.every((f) => f.muted)).toBe(true);
  });

  it('Noncompliance 1: an expired mute does not mute, and is reported with its findings', () => {
    const f = finding('db-long-running-queries', 'fail');
    const out = applyMutes([f], policy([mute({ expires: '2026-11-24' })]), NOW);
    expect(out.findings[0]?.muted).toBeUndefined();
    expect(out.expired).toHaveLength(1);
    expect(out.notices).toEqual([
      'The mute of db-long-running-queries on * (owner data-team) expired on 2026-11-24: its 1 failing finding counts again. Renew it with a later expires date, or remove it.',
    ]);
  });

  it('Noncompliance 2: an expired mute that matches nothing any more says to remove it', () => {
    const out = applyMutes(
      [finding('db-long-running-queries', 'pass')],
      policy([mute({ expires: '2026-01-01' })]),
      NOW,
    );
    expect(out.notices).toEqual([
      'The mute of db-long-running-queries on * (owner data-team) expired on 2026-01-01 and matches nothing now: remove it.',
    ]);
  });

  it('Noncompliance 3: a mute in force that matches no failing finding of a check that ran is reported', () => {
    const out = applyMutes(
      [finding('db-long-running-queries', 'pass'), finding('db-sg-allows-nodes', 'fail')],
      policy([mute({ resource: 'nothing-like-this' })]),
      NOW,
    );
    expect(out.unmatched).toHaveLength(1);
    expect(out.notices[0]).toMatch(
      /^The mute of db-long-running-queries on nothing-like-this \(owner data-team\), until 2026-12-31, matches no failing finding/,
    );
  });

  it('does not call a mute unmatched when its check did not run or could not run', () => {
    const notRun = applyMutes([finding('db-sg-allows-nodes', 'fail')], policy([mute()]), NOW);
    expect(notRun.unmatched).toEqual([]);
    const errored = applyMutes(
      [finding('db-long-running-queries', 'error', { key: 'error' })],
      policy([mute()]),
      NOW,
    );
    expect(errored.unmatched).toEqual([]);
    expect(errored.notices).toEqual([]);
  });

  it('never mutes a finding whose check could not run: silence must not look like health', () => {
    const out = applyMutes([finding('db-long-running-queries', 'error')], policy([mute()]), NOW);
    expect(out.findings[0]?.muted).toBeUndefined();
  });

  it('a date mutes through the end of that day (UTC); a date-time is exact', () => {
    expect(muteEnd({ expires: '2026-11-25' }).toISOString()).toBe('2026-11-26T00:00:00.000Z');
    const f = finding('db-long-running-queries', 'fail');
    expect(applyMutes([f], policy([mute({ expires: '2026-11-25' })]), NOW).findings[0]?.muted).toBeDefined();
    expect(
      applyMutes([f], policy([mute({ expires: '2026-11-25T09:59:59Z' })]), NOW).findings[0]?.muted,
    ).toBeUndefined();
    expect(
      applyMutes([f], policy([mute({ expires: '2026-11-25T12:00:00+01:00' })]), NOW).findings[0]?.muted,
    ).toBeDefined();
  });

  it('overrides the severity of failing and erroring findings, and says from what', () => {
    const out = applyMutes(
      [
        finding('db-size', 'fail', { severity: 'medium' }),
        finding('db-size', 'error', { severity: 'medium', key: 'error' }),
        finding('db-size', 'pass', { resource: 'other' }),
      ],
      policy([], [override({ check: 'db-size', severity: 'low' })]),
      NOW,
    );
    expect(out.findings.map((f) => [f.status, f.severity, f.severityOverride?.from])).toEqual([
      ['fail', 'low', 'medium'],
      ['error', 'low', 'medium'],
      ['pass', 'info', undefined],
    ]);
    expect(out.findings[0]?.severityOverride?.because).toBe('accepted in staging');
  });

  it('drops the findings of a disabled check and lists it', () => {
    const out = applyMutes(
      [finding('oidc-discovery', 'fail'), finding('db-size', 'fail')],
      policy([], [override({ check: 'oidc-discovery', disabled: true, reason: 'no OIDC in dev' })]),
      NOW,
    );
    expect(out.findings.map((f) => f.checkId)).toEqual(['db-size']);
    expect(out.disabled).toEqual([{ check: 'oidc-discovery', reason: 'no OIDC in dev' }]);
  });

  it('a mute applies after a severity override, and the last severity override wins', () => {
    const out = applyMutes(
      [finding('db-size', 'fail', { severity: 'medium' })],
      policy(
        [mute({ check: 'db-size' })],
        [override({ check: 'db-size', severity: 'low' }), override({ check: 'db-size', severity: 'high' })],
      ),
      NOW,
    );
    expect(out.findings[0]).toMatchObject({ severity: 'high', muted: { by: 'data-team' } });
  });
});

describe('Function: policyFor', () => {
  it('keeps the rules without deployments and those naming the deployment', () => {
    const all = mute();
    const prod = mute({ deployments: ['prod'] });
    const staging = mute({ deployments: ['staging'] });
    const off = override({ check: 'db-size', disabled: true, deployments: ['staging'] });
    const p = policyFor({ mutes: [all, prod, staging], overrides: [off] }, 'prod');
    expect(p).toEqual({ mutes: [all, prod], overrides: [] });
    expect(policyFor({ mutes: [all, prod, staging], overrides: [off] }, 'staging')).toEqual({
      mutes: [all, staging],
      overrides: [off],
    });
    expect(policyFor({}, 'prod')).toEqual({ mutes: [], overrides: [] });
  });
});
