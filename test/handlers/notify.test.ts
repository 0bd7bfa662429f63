import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../lambdas/audit/model.js';
import { makeAggregateHandler } from '../../lambdas/handlers/aggregate.js';
import {
  makeNotifyHandler,
  notifyPersistence,
  type AlertMessage,
  type NotifyHandlerDeps,
} from '../../lambdas/handlers/notify.js';
import { localTelemetry, type Telemetry } from '../../lambdas/handlers/telemetry.js';
import { FindingsStore, type RunOutcome } from '../../lambdas/store/findings-store.js';
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
const alert: AlertMessage = {
  subject: '[coder-audit] prod: 1 new critical',
  text: 'db-sg-allows-nodes',
  attributes: { severity: 'critical', deployment: 'prod' },
};
const event = { deployment: 'prod', executionId: 'exec-1' };
/**
 * A Lambda context with `ms` left before the function times out. The time left never reads 0 while the
 * handler starts: Powertools writes no in-progress expiry for 0 (it tests the value for truthiness), and a
 * "1 ms left" context read a millisecond late on a loaded machine would otherwise hold its claim for days.
 */
const context = (ms = 30_000): Context => {
  const deadline = Date.now() + ms;
  return {
    functionName: 'coder-auditor-notify',
    awsRequestId: 'r-1',
    getRemainingTimeInMillis: () => Math.max(1, deadline - Date.now()),
  } as unknown as Context;
};

describe('Function: makeNotifyHandler', () => {
  const setup = (saved: { alert?: AlertMessage; notified: boolean }, publishFails = false) => {
    const order: string[] = [];
    const store: NotifyHandlerDeps['store'] = {
      alertOf: async () => (order.push('read'), saved),
      markNotified: async () => (order.push('mark'), true),
    };
    const handler = makeNotifyHandler({
      telemetry: localTelemetry(),
      store,
      publish: async (a) => {
        order.push(`publish ${a.subject}`);
        if (publishFails) throw new Error('SNS throttled');
        return 'm-1';
      },
    });
    return { handler, order };
  };

  it('Compliance: reads the alert saved with the run, publishes it, then marks the run notified', async () => {
    const { handler, order } = setup({ alert, notified: false });
    expect(await handler(event)).toEqual({ ...event, notified: true, messageId: 'm-1' });
    expect(order).toEqual(['read', `publish ${alert.subject}`, 'mark']);
  });

  it('Noncompliance 1: a failed publish marks nothing, so the retry alerts', async () => {
    const { handler, order } = setup({ alert, notified: false }, true);
    await expect(handler(event)).rejects.toThrow('SNS throttled');
    expect(order).toEqual(['read', `publish ${alert.subject}`]);
  });

  it('Noncompliance 2: an already notified run or a run without alert publishes nothing', async () => {
    const notified = setup({ alert, notified: true });
    expect(await notified.handler(event)).toMatchObject({ notified: false, reason: 'already notified' });
    const empty = setup({ notified: false });
    expect(await empty.handler(event)).toMatchObject({ notified: false, reason: 'nothing changed' });
    expect([...notified.order, ...empty.order]).toEqual(['read', 'read']);
  });
});

/** Wait until an attempt's in-progress record is stored (no fixed sleep: the machine may be busy). */
async function claimed(persistence: ReturnType<typeof notifyPersistence>, e: object): Promise<void> {
  for (let i = 0; i < 500; i++) {
    try {
      const record = await persistence.getRecord(e as never);
      if (record) return;
    } catch {
      // not stored yet
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the first attempt never claimed the key');
}

describe('Function: makeNotifyHandler with Powertools Idempotency on the findings table', () => {
  let db: Dynalite;
  let client: DynamoDBClient;
  let doc: DynamoDBDocumentClient;
  let table = 0;
  beforeAll(async () => {
    db = await startDynalite();
    ({ client, doc } = localClients(db.endpoint));
  });
  afterAll(async () => {
    client?.destroy();
    await db?.stop();
  });
  const setup = async () => {
    const tableName = `notify-${++table}`;
    await createFindingsTable(client, tableName);
    const store = new FindingsStore({ client: doc, tableName });
    await store.recordRun(
      audit('exec-1', '2030-01-01T10:00:00.000Z', [storeFinding('db-sg-allows-nodes', 'fail')]),
    );
    await store.saveAlert('prod', 'exec-1', alert);
    const published: string[] = [];
    const persistence = notifyPersistence(client, tableName);
    const handler = makeNotifyHandler({
      telemetry: localTelemetry(),
      store,
      persistence,
      publish: async (a) => (published.push(a.subject), `m-${published.length}`),
    });
    return { handler, published, persistence, store };
  };

  it('Compliance: invoked twice with the same event (a retry after a lost response), publishes once and answers alike', async () => {
    const { handler, published, store } = await setup();
    const first = await handler(event, context());
    expect(first).toMatchObject({ notified: true, messageId: 'm-1' });
    expect(await handler(event, context())).toEqual(first);
    expect(published).toEqual([alert.subject]);
    expect((await store.alertOf('prod', 'exec-1')).notified).toBe(true);
  });

  it('Noncompliance 1: a concurrent attempt is refused while the first is in progress, and retried after its time ran out', async () => {
    const { persistence, store } = await setup();
    const published: string[] = [];
    let calls = 0;
    const handler = makeNotifyHandler({
      telemetry: localTelemetry(),
      store,
      persistence,
      // The first attempt of each run hangs: it stands for one that died after claiming (killed, out of memory).
      publish: (a) =>
        ++calls <= 2 ? new Promise<string>(() => {}) : (published.push(a.subject), Promise.resolve('m-2')),
    });
    void handler(event, context(30_000));
    await claimed(persistence, event);
    await expect(handler(event, context())).rejects.toMatchObject({
      name: 'IdempotencyAlreadyInProgressError',
    });
    expect(published).toEqual([]);

    // Another run whose first attempt had 1 ms left: its claim is gone once that time has passed.
    await store.recordRun(
      audit('exec-2', '2030-01-01T11:00:00.000Z', [storeFinding('db-sg-allows-nodes', 'fail')]),
    );
    await store.saveAlert('prod', 'exec-2', alert);
    const second = { deployment: 'prod', executionId: 'exec-2' };
    void handler(second, context(1));
    await claimed(persistence, second);
    while (calls < 2) await new Promise((r) => setTimeout(r, 10));
    // Retry only once the claim's in-progress expiry (now + the 1 ms left) has passed on the clock: on a fast
    // machine the retry can otherwise come within that millisecond and rightly find the claim still held.
    const record = await persistence.getRecord(second as never);
    expect(record.inProgressExpiryTimestamp).toBeGreaterThan(0);
    const expiry = record.inProgressExpiryTimestamp ?? 0;
    while (Date.now() <= expiry + 1) await new Promise((r) => setTimeout(r, 5));
    expect(await handler(second, context())).toMatchObject({ notified: true, messageId: 'm-2' });
    expect(published).toEqual([alert.subject]);
  });

  it('Noncompliance 2: a failed publish releases the key, so the workflow retry publishes', async () => {
    const { persistence, store } = await setup();
    let fail = true;
    const published: string[] = [];
    const handler = makeNotifyHandler({
      telemetry: localTelemetry(),
      store,
      persistence,
      publish: async (a) => {
        if (fail) throw new Error('SNS throttled');
        published.push(a.subject);
        return 'm-1';
      },
    });
    await expect(handler(event, context())).rejects.toThrow('SNS throttled');
    fail = false;
    expect(await handler(event, context())).toMatchObject({ notified: true, messageId: 'm-1' });
    expect(published).toEqual([alert.subject]);
  });
});

describe('Function: makeAggregateHandler', () => {
  const run = (recorded: RunOutcome, telemetry: Telemetry = localTelemetry(), saved: AlertMessage[] = []) =>
    makeAggregateHandler({
      telemetry,
      results: { get: async () => [] },
      store: { recordRun: async () => recorded, saveAlert: async (_d, _e, a) => void saved.push(a) },
    })({
      deployment: 'prod',
      executionId: 'exec-1',
      startedAt: '2025-01-01T00:00:00.000Z',
      results: [{ deployment: 'prod', group: 'infra', findings: [finding], ms: 5 }],
    });

  it('Compliance: a run that changed something and was not notified saves its alert and asks for it', async () => {
    const saved: AlertMessage[] = [];
    expect(await run(outcome(), localTelemetry(), saved)).toEqual({
      deployment: 'prod',
      executionId: 'exec-1',
      changed: true,
      opened: 1,
      escalated: 0,
      resolved: 0,
    });
    expect(saved).toEqual([expect.objectContaining({ subject: expect.stringContaining('prod') })]);
  });

  it('Noncompliance 1: a notified replay or a run without changes does not', async () => {
    const saved: AlertMessage[] = [];
    expect((await run(outcome({ replay: true, notified: true }), localTelemetry(), saved)).changed).toBe(
      false,
    );
    expect((await run(nothing, localTelemetry(), saved)).changed).toBe(false);
    expect(saved).toEqual([]);
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
      results: { get: async () => [] },
      store: {
        recordRun: async () => nothing,
        saveAlert: async () => undefined,
        clearStaleGate: async (deployment, quietSince) => (cutoffs.push(`${deployment} ${quietSince}`), true),
      },
    })({ deployment: 'prod', executionId: 'exec-1', startedAt: '2030-01-01T09:59:00.000Z', results: [] });
    expect(cutoffs).toEqual(['prod 2030-01-01T09:45:00.000Z']);
  });

  it('Noncompliance 4: the output is a few counts whatever the run opened (the alert stays in the store)', async () => {
    const many = Array.from({ length: 600 }, (_, i) => ({
      ...finding,
      fingerprint: `f-${i}`,
      evidence: { x: 'y'.repeat(2000) },
    }));
    const out = await run(outcome({ changes: { ...outcome().changes, opened: many, causes: many } }));
    expect(JSON.stringify(out).length).toBeLessThan(300);
    expect(out.opened).toBe(600);
  });
});
