import { describe, expect, it } from 'vitest';
import {
  ROOT_CAUSE_RULES,
  aggregate,
  describeGroupError,
  linkRootCauses,
  type GroupResult,
} from '../../lambdas/audit/aggregate.js';
import { GuideSection } from '../../lambdas/audit/guide.js';
import type { FindingMeta } from '../../lambdas/audit/runner.js';
import { CATALOGUE, groupCheckId } from '../../lambdas/checks/catalogue.js';
import { CHECK_GROUPS, finding } from '../store/fixtures.js';

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
    const ready = finding('coderd-ready', 'fail', { resource: 'k8s:coder/deployment/coder' });
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

describe('Function: linkRootCauses', () => {
  const sg = finding('db-sg-allows-nodes', 'fail', { severity: 'critical', resource: 'sg-0123' });
  const conn = finding('db-connectivity', 'fail', { resource: 'coder-prod-aurora' });
  const ready = finding('coderd-ready', 'fail', { resource: 'k8s:coder/deployment/coder' });
  const targets = finding('nlb-targets-healthy', 'fail', { resource: 'arn:aws:elasticloadbalancing:tg' });
  const healthz = finding('coder-healthz', 'fail', { resource: 'https://coder.example.com/healthz' });
  const rootOf = (list: ReturnType<typeof linkRootCauses>, checkId: string) =>
    list.find((f) => f.checkId === checkId)?.rootCause;

  it('Compliance: links every symptom of a chain to the most upstream failing cause', () => {
    const out = linkRootCauses([healthz, targets, ready, conn, sg]);
    expect(rootOf(out, 'db-sg-allows-nodes')).toBeUndefined();
    for (const id of ['db-connectivity', 'coderd-ready', 'nlb-targets-healthy', 'coder-healthz']) {
      expect(rootOf(out, id)).toBe(sg.fingerprint);
    }
    expect(out.map((f) => f.checkId)).toEqual([
      'coder-healthz',
      'nlb-targets-healthy',
      'coderd-ready',
      'db-connectivity',
      'db-sg-allows-nodes',
    ]);
  });

  it('Noncompliance 1: a passing or erroring cause explains nothing', () => {
    const out = linkRootCauses([{ ...sg, status: 'pass' }, ready, { ...targets }]);
    expect(rootOf(out, 'nlb-targets-healthy')).toBe(ready.fingerprint);
    expect(rootOf(out, 'coderd-ready')).toBeUndefined();
    const errored = linkRootCauses([{ ...sg, status: 'error' }, ready]);
    expect(rootOf(errored, 'coderd-ready')).toBeUndefined();
  });

  it('Noncompliance 2: a passing or erroring symptom gets no root cause', () => {
    const out = linkRootCauses([sg, { ...ready, status: 'pass' }, { ...conn, status: 'error' }]);
    expect(out.every((f) => f.rootCause === undefined)).toBe(true);
  });

  it('Noncompliance 3: narrowed rules link only the matching findings', () => {
    const secret = finding('pods-config-errors', 'fail', {
      resource: 'k8s:coder/pod/coder-1',
      detail: 'CreateContainerConfigError: secret "coder-db-credentials" not found',
    });
    const pull = finding('pods-config-errors', 'fail', {
      resource: 'k8s:coder-ws/pod/ws-1',
      detail: 'ImagePullBackOff: pulling image from ECR timed out',
    });
    const endpoints = finding('vpc-endpoints-available', 'fail', { resource: 'vpce-ecr' });
    const dbLog = finding('log-error-patterns', 'fail', {
      resource: 'db',
      detail: '"error": "connection refused"',
    });
    const authLog = finding('log-error-patterns', 'fail', {
      resource: 'auth',
      detail: '"error": "OIDC callback failed"',
    });
    const out = linkRootCauses([secret, pull, endpoints, ready, dbLog, authLog]);
    expect(rootOf(out, 'coderd-ready')).toBe(secret.fingerprint);
    expect(out.find((f) => f.fingerprint === pull.fingerprint)?.rootCause).toBe(endpoints.fingerprint);
    expect(out.find((f) => f.fingerprint === secret.fingerprint)?.rootCause).toBeUndefined();
    expect(out.find((f) => f.fingerprint === dbLog.fingerprint)?.rootCause).toBe(secret.fingerprint);
    expect(out.find((f) => f.fingerprint === authLog.fingerprint)?.rootCause).toBeUndefined();
  });

  it('Noncompliance 4: pending pods explain readiness only in their own namespace', () => {
    const wsPending = finding('pods-pending', 'fail', { resource: 'k8s:coder-ws/pod/ws-1' });
    const coderPending = finding('pods-pending', 'fail', { resource: 'k8s:coder/pod/coder-1' });
    const quota = finding('ec2-vcpu-quota', 'fail', { resource: 'L-1216C47A' });
    expect(rootOf(linkRootCauses([wsPending, ready]), 'coderd-ready')).toBeUndefined();
    const out = linkRootCauses([quota, coderPending, ready]);
    expect(rootOf(out, 'coderd-ready')).toBe(quota.fingerprint);
    expect(rootOf(out, 'pods-pending')).toBe(quota.fingerprint);
  });

  it('drops a stale root cause', () => {
    const out = linkRootCauses([{ ...ready, rootCause: 'gone' }]);
    expect(out[0]).not.toHaveProperty('rootCause');
  });
});

describe('Constant: ROOT_CAUSE_RULES', () => {
  it('names only catalogue checks', () => {
    for (const rule of ROOT_CAUSE_RULES) {
      for (const id of [...rule.causes, ...rule.symptoms]) expect(CHECK_GROUPS, id).toHaveProperty([id]);
    }
  });

  it('has no cycle between check ids', () => {
    const edges = new Map<string, string[]>();
    for (const r of ROOT_CAUSE_RULES)
      for (const c of r.causes) edges.set(c, [...(edges.get(c) ?? []), ...r.symptoms]);
    const visit = (id: string, path: string[]): void => {
      expect(path, `cycle through ${id}`).not.toContain(id);
      for (const next of edges.get(id) ?? []) visit(next, [...path, id]);
    };
    for (const id of edges.keys()) visit(id, []);
  });
});
