import { describe, expect, it } from 'vitest';
import {
  aggregate,
  describeGroupError,
  linkRootCauses,
  type GroupResult,
} from '../../lambdas/audit/aggregate.js';
import { GuideSection } from '../../lambdas/audit/guide.js';
import type { FindingMeta } from '../../lambdas/audit/runner.js';
import { CATALOGUE, groupCheckId } from '../../lambdas/checks/catalogue.js';
import { finding } from '../store/fixtures.js';

const T0 = '2030-01-01T10:00:00.000Z';

const meta = (id: string): FindingMeta => ({
  id,
  group: 'database',
  severity: 'high',
  title: id,
  guideSection: GuideSection.DatabaseDebugging,
});

const result = (group: GroupResult['group'], over: Partial<GroupResult> = {}): GroupResult => ({
  deployment: 'prod',
  group,
  findings: [],
  ms: 5,
  ...over,
});

describe('Function: aggregate', () => {
  it('merges, sorts and summarizes the group results', () => {
    const pass = finding('coder-healthz', 'pass');
    const low = finding('db-size', 'fail', { severity: 'low' });
    const crit = finding('ec2-vcpu-quota', 'fail', { severity: 'critical' });
    const out = aggregate({
      deployment: 'prod',
      executionId: 'exec-1',
      startedAt: T0,
      finishedAt: '2030-01-01T10:00:03.000Z',
      results: [
        result('coder', { findings: [pass] }),
        result('database', { findings: [low] }),
        result('infra', { findings: [crit] }),
      ],
      catalogue: CATALOGUE,
    });
    expect(out.findings.map((f) => f.checkId)).toEqual(['ec2-vcpu-quota', 'db-size', 'coder-healthz']);
    expect(out.summary).toMatchObject({ total: 3, byStatus: { fail: 2, pass: 1, error: 0 } });
    expect(out.summary.groups.infra).toEqual({ findings: 1, ms: 5 });
    expect(out.groupErrors).toEqual({});
    expect(out).toMatchObject({ deployment: 'prod', executionId: 'exec-1', startedAt: T0 });
  });

  it('gives the one report type: calls summed over the groups, kept per group, mute notices among the notices', () => {
    const calls = (n: number, op: string, depth: number) => ({
      total: n,
      byOperation: { [op]: n },
      sumMs: 10 * n,
      maxDepth: depth,
      duplicates: [],
    });
    const out = aggregate({
      deployment: 'prod',
      executionId: 'exec-1',
      startedAt: T0,
      finishedAt: T0,
      results: [
        result('infra', {
          findings: [finding('db-size', 'fail', { severity: 'low' })],
          calls: calls(3, 'ec2:X', 2),
        }),
        result('coder', { calls: calls(2, 'coder:GET', 4) }),
      ],
      catalogue: CATALOGUE,
      policy: {
        mutes: [
          {
            check: 'db-size',
            resource: '*',
            reason: 'accepted',
            owner: 'dba',
            expires: '2020-01-01',
          },
        ],
        overrides: [],
      },
    });
    expect(out.calls).toEqual({
      total: 5,
      byOperation: { 'coder:GET': 2, 'ec2:X': 3 },
      sumMs: 50,
      maxDepth: 4,
      duplicates: [],
    });
    expect(Object.keys(out.callsByGroup).sort()).toEqual(['coder', 'infra']);
    expect(out.notices).toHaveLength(1);
    expect(out.notices![0]).toContain('expired');
    expect(out.mutes?.notices).toEqual(out.notices);
  });

  it('turns a group that failed as a whole into one error finding per check', () => {
    const out = aggregate({
      deployment: 'prod',
      executionId: 'exec-1',
      startedAt: T0,
      now: () => new Date('2030-01-01T10:01:00Z'),
      results: [
        result('database', {
          error: JSON.stringify({
            errorType: 'TimeoutError',
            errorMessage: 'Task timed out',
            trace: ['at x'],
          }),
        }),
      ],
      catalogue: { database: [meta('db-connectivity'), meta('db-size')] },
    });
    expect(out.findings.map((f) => [f.checkId, f.status, f.resource])).toEqual([
      ['db-connectivity', 'error', 'prod'],
      ['db-size', 'error', 'prod'],
    ]);
    expect(out.findings[0]).toMatchObject({
      group: 'database',
      severity: 'high',
      title: 'db-connectivity',
      guideSection: GuideSection.DatabaseDebugging,
      detail: 'Check could not run: TimeoutError: Task timed out',
      evidence: { error: 'TimeoutError: Task timed out' },
    });
    expect(out.groupErrors).toEqual({ database: 'TimeoutError: Task timed out' });
    expect(out.finishedAt).toBe('2030-01-01T10:01:00.000Z');
  });

  it('expands a failed group with the check catalogue it is given', () => {
    const out = aggregate({
      deployment: 'prod',
      executionId: 'e',
      startedAt: T0,
      results: [result('infra', { error: 'boom' })],
      catalogue: CATALOGUE,
    });
    const expected = (CATALOGUE.infra ?? []).map((c) => c.id).sort();
    expect(expected.length).toBeGreaterThan(0);
    expect(out.findings.map((f) => f.checkId).sort()).toEqual(expected);
    expect(out.findings.every((f) => f.status === 'error' && f.group === 'infra')).toBe(true);
  });

  it('turns a failed group missing from the catalogue into one placeholder error finding', () => {
    const out = aggregate({
      deployment: 'prod',
      executionId: 'e',
      startedAt: T0,
      results: [result('coder', { error: 'boom' })],
      catalogue: { database: [meta('db-size')] },
    });
    expect(out.findings.map((f) => [f.checkId, f.group, f.status])).toEqual([
      [groupCheckId('coder'), 'coder', 'error'],
    ]);
    expect(out.groupErrors).toEqual({ coder: 'boom' });
  });

  it('counts a group whose findings are all errors as failed as a whole', () => {
    const err = finding('db-size', 'error', {
      evidence: { error: 'DeadlineError: check group database did not finish' },
    });
    const out = aggregate({
      deployment: 'prod',
      executionId: 'e',
      startedAt: T0,
      results: [
        result('database', { findings: [err] }),
        result('coder', { findings: [finding('coder-healthz', 'error')], skipped: 'not configured' }),
      ],
      catalogue: CATALOGUE,
    });
    expect(out.groupErrors.database).toBe('DeadlineError: check group database did not finish');
    expect(out.summary.groups.coder?.skipped).toBe('not configured');
  });

  it('keeps the worst finding of a duplicated fingerprint', () => {
    const a = finding('db-size', 'pass');
    const b = { ...finding('db-size', 'fail'), fingerprint: a.fingerprint };
    const out = aggregate({
      deployment: 'prod',
      executionId: 'e',
      startedAt: T0,
      results: [result('database', { findings: [a, b] })],
      catalogue: CATALOGUE,
    });
    expect(out.findings).toHaveLength(1);
    expect(out.findings[0]?.status).toBe('fail');
  });

  it('links root causes across groups', () => {
    const sg = finding('db-sg-allows-nodes', 'fail', { severity: 'critical' });
    const ready = finding('coderd-ready', 'fail', {
      resource: 'k8s:coder/deployment/coder',
      reason: 'no-replica-available',
    });
    const out = aggregate({
      deployment: 'prod',
      executionId: 'e',
      startedAt: T0,
      results: [result('infra', { findings: [sg] }), result('cluster', { findings: [ready] })],
      catalogue: CATALOGUE,
    });
    expect(out.findings.find((f) => f.checkId === 'coderd-ready')?.rootCause).toBe(sg.fingerprint);
  });
});

describe('Function: describeGroupError', () => {
  it('keeps the type and message of a Step Functions cause, never the trace', () => {
    const cause = JSON.stringify({
      errorType: 'AccessDenied',
      errorMessage: 'not allowed',
      trace: ['secret line'],
    });
    expect(describeGroupError(JSON.stringify({ Error: 'AccessDenied', Cause: cause }))).toBe(
      'AccessDenied: not allowed',
    );
    expect(describeGroupError('plain\n  text')).toBe('plain text');
    expect(describeGroupError('x'.repeat(2000))).toHaveLength(500);
  });
});

describe('Function: aggregate (diagnosis)', () => {
  const sg = finding('db-sg-allows-nodes', 'fail', {
    severity: 'high',
    resource: 'sg-0123',
    reason: 'no-ingress',
  });
  const ready = finding('coderd-ready', 'fail', {
    severity: 'critical',
    resource: 'k8s:coder/deployment/coder',
    reason: 'no-replica-available',
    scope: { namespace: 'coder', workload: 'deployment/coder', component: 'coderd' },
  });
  const targets = finding('nlb-targets-healthy', 'fail', {
    severity: 'critical',
    resource: 'arn:aws:elasticloadbalancing:tg',
    reason: 'none-healthy',
  });
  const quota = finding('ec2-vcpu-quota', 'fail', { severity: 'medium', reason: 'near-limit' });
  const run = (findings: ReturnType<typeof finding>[]) =>
    aggregate({
      deployment: 'prod',
      executionId: 'exec-1',
      startedAt: T0,
      results: [
        result('infra', { findings: findings.filter((f) => f.group === 'infra') }),
        result('cluster', { findings: findings.filter((f) => f.group === 'cluster') }),
      ],
      catalogue: CATALOGUE,
    });

  it('links symptoms to their root cause and lists the root causes by effective severity', () => {
    const out = run([quota, targets, ready, sg]);
    const rootOf = (id: string) => out.findings.find((f) => f.checkId === id)?.rootCause;
    expect(rootOf('coderd-ready')).toBe(sg.fingerprint);
    expect(rootOf('nlb-targets-healthy')).toBe(sg.fingerprint);
    expect(rootOf('db-sg-allows-nodes')).toBeUndefined();
    // The high security group explains critical symptoms: it leads, before the medium quota.
    expect(out.rootCauses.map((r) => [r.checkId, r.severity, r.effectiveSeverity])).toEqual([
      ['db-sg-allows-nodes', 'high', 'critical'],
      ['ec2-vcpu-quota', 'medium', 'medium'],
    ]);
    expect(out.rootCauses[0]!.symptoms.sort()).toEqual([ready.fingerprint, targets.fingerprint].sort());
  });

  it('keeps linkRootCauses for callers that only want the links', () => {
    const out = linkRootCauses([sg, ready]);
    expect(out.find((f) => f.checkId === 'coderd-ready')?.rootCause).toBe(sg.fingerprint);
  });
});
