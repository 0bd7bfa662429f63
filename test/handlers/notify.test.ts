import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../lambdas/audit/model.js';
import { makeAggregateHandler } from '../../lambdas/handlers/aggregate.js';
import {
  NotificationInProgressError,
  makeNotifyHandler,
  type NotifyHandlerDeps,
} from '../../lambdas/handlers/notify.js';
import { localTelemetry, type Telemetry } from '../../lambdas/handlers/telemetry.js';
import {
  FindingsStore,
  type NotificationClaim,
  type RunOutcome,
} from '../../lambdas/store/findings-store.js';
import { audit, finding as storeFinding } from '../store/fixtures.js';
import { createFindingsTable, localClients, startDynalite, type Dynalite } from '../helpers/dynalite.js';

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
  const setup = (publishFails = false, claim: NotificationClaim = 'claimed') => {
    const order: string[] = [];
    const store: NotifyHandlerDeps['store'] = {
      claimNotification: async () => {
        order.push('claim');
        return claim === 'claimed' ? { claim, token: 't-1' } : { claim };
      },
      releaseNotification: async () => {
        order.push('release');
      },
      markNotified: async () => {
        order.push('mark');
        return true;
      },
    };
    const handler = makeNotifyHandler({
      telemetry: localTelemetry(),
      publish: async (alert) => {
        order.push(`publish ${alert.subject}`);
        if (publishFails) throw new Error('SNS throttled');
        return 'm-1';
      },
      store,
    });
    return { handler, order };
  };

  it('Compliance: claims, publishes, then marks the run notified', async () => {
    const { handler, order } = setup();
    const out = await handler({ deployment: 'prod', executionId: 'exec-1', outcome: outcome() });
    expect(out).toEqual({ deployment: 'prod', executionId: 'exec-1', notified: true, messageId: 'm-1' });
    expect(order).toEqual(['claim', expect.stringMatching(/^publish \[coder-audit\] prod: /), 'mark']);
  });

  it('Noncompliance 1: a failed publish releases the claim and marks nothing, so the retry alerts', async () => {
    const { handler, order } = setup(true);
    await expect(handler({ deployment: 'prod', executionId: 'exec-1', outcome: outcome() })).rejects.toThrow(
      'SNS throttled',
    );
    expect(order).toEqual(['claim', expect.stringMatching(/^publish /), 'release']);
  });

  it('Noncompliance 3: a run the store says is notified or being published is not published', async () => {
    const notified = setup(false, 'notified');
    expect(
      await notified.handler({ deployment: 'prod', executionId: 'exec-1', outcome: outcome() }),
    ).toMatchObject({ notified: false, reason: 'already notified' });
    const busy = setup(false, 'busy');
    await expect(
      busy.handler({ deployment: 'prod', executionId: 'exec-1', outcome: outcome() }),
    ).rejects.toBeInstanceOf(NotificationInProgressError);
    expect([...notified.order, ...busy.order]).toEqual(['claim', 'claim']);
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

describe('Function: makeNotifyHandler with the DynamoDB store', () => {
  let db: Dynalite;
  let client: DynamoDBClient;
  let doc: DynamoDBDocumentClient;
  beforeAll(async () => {
    db = await startDynalite();
    ({ client, doc } = localClients(db.endpoint));
    await createFindingsTable(client, 'notify');
  });
  afterAll(async () => {
    client?.destroy();
    await db?.stop();
  });

  it('Compliance: invoked twice with the same event (a retry after a lost response), publishes once', async () => {
    const store = new FindingsStore({ client: doc, tableName: 'notify' });
    const recorded = await store.recordRun(
      audit('exec-1', '2030-01-01T10:00:00.000Z', [storeFinding('db-sg-allows-nodes', 'fail')]),
    );
    const published: string[] = [];
    const handler = makeNotifyHandler({
      telemetry: localTelemetry(),
      store,
      publish: async (alert) => (published.push(alert.subject), `m-${published.length}`),
    });
    const event = { deployment: 'prod', executionId: 'exec-1', outcome: recorded };
    expect(await handler(event)).toMatchObject({ notified: true, messageId: 'm-1' });
    expect(await handler(event)).toMatchObject({ notified: false, reason: 'already notified' });
    expect(published).toHaveLength(1);
  });
});

describe('Function: makeAggregateHandler', () => {
  const run = (recorded: RunOutcome, telemetry: Telemetry = localTelemetry()) =>
    makeAggregateHandler({ telemetry, store: { recordRun: async () => recorded } })({
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

  it('Noncompliance 2: a replay emits no finding metrics (they were counted by the first run)', async () => {
    const metrics = new Metrics({ namespace: 'Test', serviceName: 'test' });
    const emitted: string[] = [];
    metrics.addMetric = (name: string) => {
      emitted.push(name);
      return metrics;
    };
    const telemetry: Telemetry = { ...localTelemetry(), metrics };
    await run(outcome({ replay: true, notified: true }), telemetry);
    expect(emitted).toEqual([]);
    await run(outcome(), telemetry);
    expect(emitted).toEqual(expect.arrayContaining(['OpenedFindings', 'ResolvedFindings']));
  });

  it('Noncompliance 3: frees a stale debounce lock, with a cutoff a quarter-hour before now', async () => {
    const cutoffs: string[] = [];
    await makeAggregateHandler({
      telemetry: localTelemetry(),
      now: () => new Date('2030-01-01T10:00:00.000Z'),
      store: {
        recordRun: async () => nothing,
        clearStaleGate: async (deployment, lockedBefore) => (
          cutoffs.push(`${deployment} ${lockedBefore}`),
          true
        ),
      },
    })({ deployment: 'prod', executionId: 'exec-1', startedAt: '2030-01-01T09:59:00.000Z', results: [] });
    expect(cutoffs).toEqual(['prod 2030-01-01T09:45:00.000Z']);
  });

  it('Noncompliance 4: the output carries no evidence (the alert does not show it)', async () => {
    const big = { ...finding, evidence: { rules: 'x'.repeat(5000) } };
    const out = await run(outcome({ changes: { ...outcome().changes, opened: [big], causes: [big] } }));
    expect(out.outcome.changes.opened[0]?.evidence).toEqual({});
    expect(out.outcome.changes.causes?.[0]?.evidence).toEqual({});
  });
});
