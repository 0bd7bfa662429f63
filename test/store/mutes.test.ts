import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { aggregate, type GroupResult } from '../../lambdas/audit/aggregate.js';
import type { MuteRule, OverrideRule } from '../../lambdas/audit/config.js';
import type { Finding } from '../../lambdas/audit/model.js';
import { makeAggregateHandler } from '../../lambdas/handlers/aggregate.js';
import { policyOfDocument } from '../../lambdas/handlers/policy.js';
import { deploymentDocument } from '../../lambdas/handlers/runtime.js';
import { localTelemetry } from '../../lambdas/handlers/telemetry.js';
import { FindingsStore } from '../../lambdas/store/findings-store.js';
import { deploymentKey, runKey, type RunItem } from '../../lambdas/store/items.js';
import { renderAlert } from '../../lambdas/notify/render.js';
import { testDeployment } from '../fixtures/deployment.js';
import { findingsTables } from '../helpers/dynalite.js';
import { finding } from './fixtures.js';

// The serverless path of mutes: the Aggregate handler gets the deployment's parameter document (as the stack
// writes it, passed by the workflow), applies its mutes at the run's start, and the store, on DynamoDB's wire protocol (dynalite), keeps
// the mute on the finding item and decides what the alert says.

const T1 = '2030-01-01T10:00:00.000Z';
const T2 = '2030-01-01T11:00:00.000Z';
const T3 = '2030-01-01T12:00:00.000Z';
const T4 = '2030-01-01T13:00:00.000Z';

const t = findingsTables('mutes');

const pending = finding('pods-pending', 'fail', { severity: 'medium', resource: 'k8s:coder-ws/pod/ws-1' });
const sg = finding('db-sg-allows-nodes', 'fail', { severity: 'critical', resource: 'sg-0123456789abcdef0' });
const ready = finding('coderd-ready', 'pass', { resource: 'k8s:coder/deployment/coder' });

const muteUntil = (expires: string): MuteRule => ({
  check: 'pods-pending',
  resource: 'k8s:coder-ws/pod/*',
  reason: 'capacity work planned',
  owner: 'platform',
  expires,
});
/** Matches nothing: coderd-ready passes. */
const stale: MuteRule = {
  check: 'coderd-ready',
  resource: '*',
  reason: 'old incident',
  owner: 'sre',
  expires: '2099-01-01',
};

/** A handler given the deployment's parameter document, written as the stack writes it. */
function setup(mutes: MuteRule[], overrides: OverrideRule[] = []) {
  const value = JSON.stringify(deploymentDocument(testDeployment(), { mutes, overrides }));
  const store = new FindingsStore({ client: t.doc, tableName: t.table, foldUnnotified: true });
  const handler = makeAggregateHandler({
    store,
    results: { get: async () => [] },
    telemetry: localTelemetry(),
    catalogue: {},
    now: () => new Date('2030-01-02T00:00:00Z'),
  });
  const run = async (executionId: string, startedAt: string, findings: Finding[]) => {
    const groups = ['infra', 'cluster', 'database', 'coder'] as const;
    const results: GroupResult[] = groups.map((group) => ({
      deployment: 'prod',
      group,
      findings: findings.filter((f) => f.group === group),
      ms: 1,
    }));
    const out = await handler({
      deployment: 'prod',
      document: JSON.parse(value) as unknown,
      executionId,
      startedAt,
      results,
    });
    // recordRun is idempotent: a second call replays the recorded outcome (what the alert is made of).
    const outcome = await store.recordRun(
      aggregate({
        deployment: 'prod',
        executionId,
        startedAt,
        results,
        catalogue: {},
        policy: policyOfDocument(JSON.parse(value), 'test document'),
      }),
    );
    // The Notify task marks a sent alert: later runs do not fold it in again.
    if (out.changed) await store.markNotified('prod', executionId);
    return { out, outcome };
  };
  const item = async (f: Finding) =>
    (await store.list({ deployment: 'prod' })).find((s) => s.fingerprint === f.fingerprint);
  const runItem = async (executionId: string, startedAt: string) =>
    (
      await t.doc.send(
        new GetCommand({
          TableName: t.table,
          Key: { pk: deploymentKey('prod'), sk: runKey(startedAt, executionId) },
        }),
      )
    ).Item as RunItem;
  return { run, item, runItem, store };
}

describe('Function: makeAggregateHandler with mutes (serverless path)', () => {
  it('Compliance: a muted finding stays open without alerting, and alerts as new once its mute expires', async () => {
    const { run, item, runItem } = setup([muteUntil('2030-01-01T11:30:00Z')]);

    const first = await run('exec-1', T1, [pending, sg, ready]);
    expect(first.outcome.changes.opened.map((f) => f.checkId)).toEqual(['db-sg-allows-nodes']);
    expect(await item(pending)).toMatchObject({
      status: 'open',
      muted: { until: '2030-01-01T11:30:00Z', by: 'platform', because: 'capacity work planned' },
    });

    // Still muted: worse, but an accepted risk is not news.
    const second = await run('exec-2', T2, [{ ...pending, severity: 'critical' }, sg, ready]);
    expect(second.out).toMatchObject({ changed: false, opened: 0, escalated: 0 });
    expect((await item(pending))?.occurrences).toBe(2);

    // The mute expired at 11:30: the run of 12:00 alerts the finding as new, and says the mute expired.
    const third = await run('exec-3', T3, [pending, sg, ready]);
    expect(third.out).toMatchObject({ changed: true, opened: 1 });
    expect(third.outcome.changes.opened.map((f) => f.checkId)).toEqual(['pods-pending']);
    expect(third.outcome.changes.muteNotices).toEqual([
      expect.stringMatching(/mute of pods-pending on k8s:coder-ws\/pod\/\* \(owner platform\) expired/),
    ]);
    const stored = await item(pending);
    expect(stored).toMatchObject({ status: 'open', openedAt: T1, unmutedBy: 'exec-3', occurrences: 3 });
    expect(stored).not.toHaveProperty('muted');
    expect((await runItem('exec-3', T3)).mutes).toMatchObject({ changed: true });
    const alert = renderAlert(third.outcome);
    expect(alert?.text).toContain('== MUTES TO REVIEW ==');
    expect(alert?.text).toMatch(/NEW[\s\S]*pods-pending/);

    // The next run: nothing new, the same expired mute is not alerted again.
    const fourth = await run('exec-4', T4, [pending, sg, ready]);
    expect(fourth.out).toMatchObject({ changed: false, opened: 0 });
    expect(fourth.outcome.changes.muteNotices).toBeUndefined();
    expect((await runItem('exec-4', T4)).mutes).toMatchObject({ changed: false });
  });

  it('Noncompliance 1: an unmatched mute goes into the run item and the alert, once', async () => {
    const { run, runItem } = setup([stale]);
    const first = await run('exec-1', T1, [ready, sg]);
    expect(first.outcome.changes.muteNotices).toEqual([
      expect.stringMatching(/mute of coderd-ready on \* \(owner sre\), until 2099-01-01, matches no failing/),
    ]);
    expect((await runItem('exec-1', T1)).mutes?.notices).toHaveLength(1);
    expect(renderAlert(first.outcome)?.subject).toContain('1 mute to review');
    const second = await run('exec-2', T2, [ready, sg]);
    expect(second.out.changed).toBe(false);
  });

  it('Noncompliance 2: a muted finding that clears resolves without an alert', async () => {
    const { run, item } = setup([muteUntil('2099-01-01')]);
    await run('exec-1', T1, [pending]);
    const cleared = await run('exec-2', T2, [{ ...pending, status: 'pass' }]);
    expect(cleared.outcome.changes.resolved).toEqual([]);
    expect((await item(pending))?.status).toBe('resolved');
  });

  it('Noncompliance 3: overrides in the parameter change severity and drop disabled checks', async () => {
    const { run, item } = setup(
      [],
      [
        { check: 'db-sg-allows-nodes', severity: 'low', reason: 'lab', disabled: false },
        { check: 'pods-pending', disabled: true, reason: 'not ours' },
      ],
    );
    const first = await run('exec-1', T1, [pending, sg]);
    expect(first.outcome.changes.opened.map((f) => [f.checkId, f.severity])).toEqual([
      ['db-sg-allows-nodes', 'low'],
    ]);
    expect(await item(sg)).toMatchObject({
      severity: 'low',
      severityOverride: { from: 'critical', because: 'lab' },
    });
    expect(await item(pending)).toBeUndefined();
  });
});
