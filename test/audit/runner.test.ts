import { describe, expect, it } from 'vitest';
import { CallRecorder } from '../../lambdas/audit/calls.js';
import { defineCheck } from '../../lambdas/audit/check.js';
import { known, settle, need, type Fact } from '../../lambdas/audit/fact.js';
import { defineGroup } from '../../lambdas/audit/group.js';
import { GuideSection } from '../../lambdas/audit/guide.js';
import { evaluateCheck, runAudit, runGroup } from '../../lambdas/audit/runner.js';
import { GROUPS } from '../../lambdas/checks/index.js';
import type { AwsClients } from '../../lambdas/clients/aws.js';
import { testDeployment } from '../fixtures/deployment.js';

interface Snap {
  a: Fact<number>;
  b: Fact<number>;
}
const meta = (id: string) => ({
  id,
  group: 'infra' as const,
  severity: 'high' as const,
  title: id,
  description: id,
  risk: id,
  guideSection: GuideSection.AwsDebugging,
  reasons: { 'too-big': { message: 'a is above 1.', severity: 'high' as const } },
});
const usesA = defineCheck<Snap>(meta('uses-a'), (s) => [
  { status: need(s.a) > 1 ? 'fail' : 'pass', reason: 'too-big', resource: 'r-a', detail: 'a' },
]);
const usesB = defineCheck<Snap>(meta('uses-b'), (s) => [
  { status: 'pass', resource: 'r-b', detail: String(need(s.b)) },
]);
const throws = defineCheck<Snap>(meta('throws'), () => {
  throw new TypeError('boom');
});
const empty = defineCheck<Snap>(meta('empty'), () => []);

function group(collect: (signal: AbortSignal) => Promise<Snap>) {
  return defineGroup<Snap>({
    id: 'infra',
    skipReason: () => undefined,
    collect: (ctx) => collect(ctx.signal),
    checks: [usesA, usesB, throws, empty],
  });
}
const aws = {} as AwsClients;

describe('Function: runAudit', () => {
  it('turns a failed fact into errors only for the checks that need it', async () => {
    const g = group(async (signal) => ({
      a: await settle('svc:A', async () => 2, signal),
      b: await settle(
        'svc:B',
        () => Promise.reject(Object.assign(new Error('denied'), { name: 'AccessDenied' })),
        signal,
      ),
    }));
    const r = await runAudit({ deployment: testDeployment(), groups: [g as never], aws });
    const by = Object.fromEntries(r.findings.map((f) => [f.checkId, f]));
    expect(by['uses-a']).toMatchObject({ status: 'fail', severity: 'high' });
    expect(by['uses-b']).toMatchObject({
      status: 'error',
      detail: 'Check could not run: could not read svc:B: AccessDenied: denied',
    });
    expect(by['throws']).toMatchObject({ status: 'error', detail: 'Check could not run: TypeError: boom' });
    expect(by['empty']).toMatchObject({ status: 'pass', detail: 'Nothing in scope to evaluate.' });
    expect(r.summary.byStatus).toEqual({ fail: 1, error: 2, pass: 1, skipped: 0 });
  });

  it('bounds a hung collection by the group deadline and keeps what was read', async () => {
    const deployment = testDeployment({ timeouts: { groupMs: 150 } });
    const g = group(async (signal) => {
      const [a, b] = await Promise.all([
        settle('svc:A', async () => 1, signal),
        settle('svc:B', () => new Promise<number>(() => {}), signal),
      ]);
      return { a, b };
    });
    const r = await runAudit({ deployment, groups: [g as never], aws });
    expect(r.findings.find((f) => f.checkId === 'uses-a')?.status).toBe('pass');
    expect(r.findings.find((f) => f.checkId === 'uses-b')?.detail).toMatch(/did not finish within 150 ms/);
  });

  it('errors every check when the collector itself throws or never returns', async () => {
    const deployment = testDeployment({ timeouts: { groupMs: 100 } });
    const hung = group(() => new Promise<never>(() => {}));
    const r = await runAudit({ deployment, groups: [hung as never], aws });
    expect(r.findings.map((f) => f.status)).toEqual(['error', 'error', 'error', 'error']);
  });

  it('runs only the selected checks and skips groups that do not apply', async () => {
    const g = group(async () => ({ a: { ok: true, value: 1 }, b: { ok: true, value: 1 } }));
    const skipped = defineGroup<Snap>({
      id: 'database',
      skipReason: () => 'database not configured',
      collect: async () => ({ a: { ok: true, value: 1 }, b: { ok: true, value: 1 } }),
      checks: [defineCheck<Snap>(meta('db-only'), () => [])],
    });
    const all = await runAudit({ deployment: testDeployment(), groups: [g as never, skipped as never], aws });
    expect(all.findings.some((f) => f.checkId === 'db-only')).toBe(false);
    expect(all.summary.groups.database).toEqual({ findings: 0, ms: 0, skipped: 'database not configured' });
    const r = await runAudit({
      deployment: testDeployment(),
      groups: [g as never, skipped as never],
      aws,
      only: ['uses-a'],
      calls: new CallRecorder(),
    });
    expect(r.findings.map((f) => f.checkId)).toEqual(['uses-a']);
  });

  it('reports a check asked for by name whose group does not apply as an error, not as silence', async () => {
    const skipped = defineGroup<Snap>({
      id: 'database',
      skipReason: () => 'database not configured',
      collect: async () => ({ a: { ok: true, value: 1 }, b: { ok: true, value: 1 } }),
      checks: [defineCheck<Snap>(meta('db-only'), () => [])],
    });
    const r = await runAudit({
      deployment: testDeployment(),
      groups: [skipped as never],
      aws,
      only: ['db-only'],
    });
    expect(r.findings).toEqual([
      expect.objectContaining({
        checkId: 'db-only',
        status: 'error',
        detail: 'Check could not run: group database skipped: database not configured',
      }),
    ]);
  });

  it('loads the code of every group before any group starts reading (loading blocks the event loop)', async () => {
    // On a loaded machine the Kubernetes client took seconds to compile while the coder group's requests
    // were in flight: their 2 s client timers fired though the answers had arrived.
    const events: string[] = [];
    let release = () => {};
    const compiled = new Promise<void>((resolve) => (release = resolve));
    const snapshot = (): Snap => ({ a: known(1), b: known(1) });
    // Like `import()`: the module loads once, later calls share it.
    let loading: Promise<void> | undefined;
    const heavy = defineGroup<Snap>({
      id: 'cluster',
      skipReason: () => undefined,
      load: () =>
        (loading ??= (async () => {
          events.push('load cluster');
          await compiled;
          events.push('cluster loaded');
        })()),
      collect: async () => (events.push('collect cluster'), snapshot()),
      checks: [usesA],
    });
    const light = defineGroup<Snap>({
      id: 'coder',
      skipReason: () => undefined,
      collect: async () => (events.push('collect coder'), snapshot()),
      checks: [usesB],
    });
    const run = runAudit({ deployment: testDeployment(), groups: [light as never, heavy as never], aws });
    await new Promise((resolve) => setImmediate(resolve));
    events.push('compiled');
    release();
    const r = await run;
    expect(events).toEqual([
      'load cluster',
      'compiled',
      'cluster loaded',
      'collect coder',
      'collect cluster',
    ]);
    expect(r.summary.byStatus).toEqual({ fail: 0, error: 0, pass: 2, skipped: 0 });
  });

  it('has every registered group load its collector, and a group run alone loads before its deadline', async () => {
    expect(GROUPS.filter((g) => typeof g.load !== 'function').map((g) => g.id)).toEqual([]);
    const events: string[] = [];
    const g = defineGroup<Snap>({
      id: 'infra',
      skipReason: () => undefined,
      load: async () => void events.push('load'),
      collect: async (ctx) => (
        events.push(ctx.signal.aborted ? 'late' : 'collect'),
        { a: known(1), b: known(1) }
      ),
      checks: [usesA],
    });
    const findings = await runGroup(g, g.checks, {
      deployment: testDeployment(),
      aws,
      calls: new CallRecorder(),
      now: new Date(),
      log: () => {},
      once: (_key, read) => read(),
    });
    expect(events).toEqual(['load', 'collect']);
    expect(findings.map((f) => f.status)).toEqual(['pass']);
  });

  it('annotates the findings after the checks ran, and keeps them as they are when annotating fails', async () => {
    const collect = async () => ({ a: { ok: true, value: 5 }, b: { ok: true, value: 1 } }) as Snap;
    const seen: string[][] = [];
    const annotated = defineGroup<Snap>({
      ...group(collect),
      checks: [usesA, usesB],
      annotate: async (findings) => {
        seen.push(findings.map((f) => `${f.checkId}:${f.status}`));
        return findings.map((f) => (f.status === 'fail' ? { ...f, detail: `${f.detail} (annotated)` } : f));
      },
    });
    const r = await runAudit({ deployment: testDeployment(), groups: [annotated as never], aws });
    expect(seen).toEqual([['uses-a:fail', 'uses-b:pass']]);
    expect(r.findings.find((f) => f.checkId === 'uses-a')!.detail).toBe('a (annotated)');
    const broken = defineGroup<Snap>({
      ...group(collect),
      checks: [usesA],
      annotate: () => Promise.reject(new Error('CloudTrail down')),
    });
    const kept = await runAudit({ deployment: testDeployment(), groups: [broken as never], aws });
    expect(kept.findings.map((f) => [f.checkId, f.status, f.detail])).toEqual([['uses-a', 'fail', 'a']]);
  });

  it('gives stable fingerprints across runs', async () => {
    const g = group(async () => ({ a: { ok: true, value: 5 }, b: { ok: true, value: 1 } }));
    const one = await runAudit({ deployment: testDeployment(), groups: [g as never], aws });
    const two = await runAudit({ deployment: testDeployment(), groups: [g as never], aws });
    expect(one.findings.map((f) => f.fingerprint)).toEqual(two.findings.map((f) => f.fingerprint));
  });
});

describe('Function: evaluateCheck (reasons)', () => {
  const reasons = {
    broken: { message: 'It is broken.', severity: 'critical' as const },
    dusty: { message: 'It is dusty.', severity: 'low' as const },
  };
  const check = (result: Record<string, unknown>) =>
    defineCheck<null>({ ...meta('reasoned'), reasons }, () => [
      { status: 'fail', resource: 'r', detail: 'd', ...result },
    ]);
  const evaluate = (result: Record<string, unknown>) =>
    evaluateCheck(check(result), null, testDeployment(), new Date())[0]!;

  it('Compliance: a failure carries its reason and scope, at the severity of the reason', () => {
    expect(evaluate({ reason: 'dusty', scope: { nodegroup: 'ws' } })).toMatchObject({
      status: 'fail',
      reason: 'dusty',
      severity: 'low',
      scope: { nodegroup: 'ws' },
    });
    expect(evaluate({ reason: 'broken' }).severity).toBe('critical');
    expect(evaluate({ reason: 'dusty', severity: 'high' }).severity).toBe('high');
  });

  it('Noncompliance: a failure without a reason, or with one the check does not declare, is an error', () => {
    expect(evaluate({})).toMatchObject({
      status: 'error',
      detail: 'Check could not run: Error: check reasoned reported a failure with no reason',
    });
    expect(evaluate({ reason: 'rusty' })).toMatchObject({
      status: 'error',
      detail:
        'Check could not run: Error: check reasoned reported a failure with the undeclared reason "rusty"',
    });
  });

  it('drops a reason from a pass: only failures name one', () => {
    const pass = evaluateCheck(
      defineCheck<null>({ ...meta('reasoned'), reasons }, () => [
        { status: 'pass', reason: 'dusty', resource: 'r', detail: 'd' },
      ]),
      null,
      testDeployment(),
      new Date(),
    )[0]!;
    expect(pass).not.toHaveProperty('reason');
  });

  it('a skipped result says why with a skip reason, or it is an error (never a silent skip)', () => {
    expect(evaluate({ status: 'skipped', reason: 'role-gap' })).toMatchObject({
      status: 'skipped',
      reason: 'role-gap',
      severity: 'info',
    });
    expect(evaluate({ status: 'skipped', reason: 'not-applicable' }).reason).toBe('not-applicable');
    expect(evaluate({ status: 'skipped' })).toMatchObject({
      status: 'error',
      detail: 'Check could not run: Error: check reasoned skipped a result with no reason',
    });
    // A check's failure reasons are not skip reasons.
    expect(evaluate({ status: 'skipped', reason: 'dusty' })).toMatchObject({
      status: 'error',
      detail:
        'Check could not run: Error: check reasoned skipped a result with the unknown skip reason "dusty"',
    });
  });
});
