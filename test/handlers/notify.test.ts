import { describe, expect, it } from 'vitest';
import type { Finding } from '../../lambdas/audit/model.js';
import { makeAggregateHandler } from '../../lambdas/handlers/aggregate.js';
import { makeNotifyHandler } from '../../lambdas/handlers/notify.js';
import { localTelemetry } from '../../lambdas/handlers/runtime.js';
import type { RunOutcome } from '../../lambdas/store/findings-store.js';

const finding: Finding = {
  checkId: 'db-sg-allows-nodes',
  group: 'infra',
  status: 'fail',
  severity: 'critical',
  resource: 'sg-0db0000000000001a',
  title: 'Nodes can reach the database port',
  detail: 'no ingress rule for TCP 5432',
  evidence: {},
  guideSection: 'Database Connection Errors',
  fingerprint: 'abc123',
};
const outcome = (over: Partial<RunOutcome> = {}): RunOutcome => ({
  deployment: 'prod',
  executionId: 'exec-1',
  replay: false,
  notified: false,
  changes: { opened: [finding], escalated: [], resolved: [], failingGroups: [], causes: [] },
  ...over,
});
const nothing = outcome({
  changes: { opened: [], escalated: [], resolved: [], failingGroups: [], causes: [] },
});

describe('Function: makeNotifyHandler', () => {
  const setup = (publishFails = false) => {
    const order: string[] = [];
    const handler = makeNotifyHandler({
      telemetry: localTelemetry(),
      publish: async (alert) => {
        order.push(`publish ${alert.subject}`);
        if (publishFails) throw new Error('SNS throttled');
        return 'm-1';
      },
      store: {
        markNotified: async () => {
          order.push('mark');
          return true;
        },
      },
    });
    return { handler, order };
  };

  it('Compliance: publishes, then marks the run notified', async () => {
    const { handler, order } = setup();
    const out = await handler({ deployment: 'prod', executionId: 'exec-1', outcome: outcome() });
    expect(out).toEqual({ deployment: 'prod', executionId: 'exec-1', notified: true, messageId: 'm-1' });
    expect(order).toEqual([expect.stringMatching(/^publish \[coder-audit\] prod: /), 'mark']);
  });

  it('Noncompliance 1: a failed publish marks nothing, so the retry still alerts', async () => {
    const { handler, order } = setup(true);
    await expect(handler({ deployment: 'prod', executionId: 'exec-1', outcome: outcome() })).rejects.toThrow(
      'SNS throttled',
    );
    expect(order).toHaveLength(1);
  });

  it('Noncompliance 2: an already notified run or an empty alert publishes nothing', async () => {
    const { handler, order } = setup();
    expect(
      await handler({ deployment: 'prod', executionId: 'exec-1', outcome: outcome({ notified: true }) }),
    ).toMatchObject({ notified: false });
    expect(await handler({ deployment: 'prod', executionId: 'exec-1', outcome: nothing })).toMatchObject({
      notified: false,
    });
    expect(order).toEqual([]);
  });
});

describe('Function: makeAggregateHandler', () => {
  const run = (recorded: RunOutcome) =>
    makeAggregateHandler({ telemetry: localTelemetry(), store: { recordRun: async () => recorded } })({
      deployment: 'prod',
      executionId: 'exec-1',
      startedAt: '2025-01-01T00:00:00.000Z',
      results: [{ deployment: 'prod', group: 'infra', findings: [finding], ms: 5 }],
    });

  it('Compliance: a run that changed something and was not notified asks for an alert', async () => {
    expect(await run(outcome())).toMatchObject({ deployment: 'prod', changed: true });
  });

  it('Noncompliance 1: a notified replay or a run without changes does not', async () => {
    expect((await run(outcome({ replay: true, notified: true }))).changed).toBe(false);
    expect((await run(nothing)).changed).toBe(false);
  });
});
