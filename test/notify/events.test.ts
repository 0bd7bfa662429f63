import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FindingEventDetailSchema } from '../../lambdas/notify/event-schema.js';
import { auditorEvents, PutEventsError, putAuditorEvents } from '../../lambdas/notify/events.js';
import type { RunOutcome } from '../../lambdas/store/findings-store.js';
import { startEventBridgeTwin, type EventBridgeTwin } from '../../sim/eventbridge.js';
import { finding } from '../store/fixtures.js';

let twin: EventBridgeTwin;
let eb: EventBridgeClient;
beforeAll(async () => {
  twin = await startEventBridgeTwin();
  eb = new EventBridgeClient({
    endpoint: twin.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  eb?.destroy();
  await twin?.stop();
});
beforeEach(() => twin.failNext(0));

const outcome = (n: number): RunOutcome => ({
  deployment: 'prod',
  executionId: 'exec-1',
  replay: false,
  notified: false,
  changes: {
    opened: Array.from({ length: n }, (_, i) =>
      finding('pods-pending', 'fail', { resource: `k8s:coder-ws/pod/ws-${i}`, detail: 'x'.repeat(5000) }),
    ),
    escalated: [],
    resolved: [],
    failingGroups: [],
  },
});

describe('Function: putAuditorEvents', () => {
  it('Compliance: puts 23 events in batches of 10, each detail bounded and valid', async () => {
    const before = twin.events.length;
    const events = auditorEvents(outcome(23), { runStartedAt: '2030-01-01T10:00:00.000Z' });
    const calls = twin.calls;
    expect(await putAuditorEvents(eb, events)).toBe(23);
    expect(twin.calls - calls).toBe(3);
    const put = twin.events.slice(before);
    expect(put).toHaveLength(23);
    for (const e of put) {
      expect(e.detailType).toBe('Finding opened');
      const parsed = FindingEventDetailSchema.parse(e.detail);
      expect(parsed.finding.detail.length).toBeLessThanOrEqual(1000);
    }
  });

  it('Noncompliance 1: entries the service throttles are put again', async () => {
    twin.failNext(3);
    const calls = twin.calls;
    expect(
      await putAuditorEvents(eb, auditorEvents(outcome(5), { runStartedAt: '2030-01-01T10:00:00.000Z' })),
    ).toBe(5);
    expect(twin.calls - calls).toBe(2);
  });

  it('Noncompliance 2: entries still failing after three attempts are an error', async () => {
    twin.failNext(1000, 'InternalFailure');
    await expect(
      putAuditorEvents(eb, auditorEvents(outcome(2), { runStartedAt: '2030-01-01T10:00:00.000Z' })),
    ).rejects.toThrow(PutEventsError);
  });
});
