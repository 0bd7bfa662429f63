import type { Cluster } from '@aws-sdk/client-eks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallRecorder } from '../../../lambdas/audit/calls.js';
import { ThresholdsSchema } from '../../../lambdas/audit/config.js';
import type { CollectContext } from '../../../lambdas/audit/group.js';
import { evaluateCheck } from '../../../lambdas/audit/runner.js';
import { known } from '../../../lambdas/audit/fact.js';
import check from '../../../lambdas/checks/infra/nat-gateway-capacity.js';
import { natReadNotDue, readNat } from '../../../lambdas/checks/infra/nat.js';
import { SIM_IDS } from '../../../sim/deployment.js';
import { loadScenario } from '../../../sim/scenario.js';
import { startTwin, type AwsTwin } from '../../sim/aws/harness.js';
import { healthySnapshot } from './fixtures.js';

let twin: AwsTwin;
beforeAll(async () => {
  // The scenario's metric points are minutes before this: inside the 6 hours a 12:00 read sums, whatever the
  // hour the test runs at.
  twin = await startTwin(loadScenario('nat-port-exhaustion'), undefined, new Date('2026-11-30T11:50:00Z'));
});
afterAll(() => twin.stop());

/** A scheduled audit's context (the group function's) at `now`, over the real SDK clients and the twin. */
function context(now: Date, thresholds: Record<string, unknown> = {}, byHand = false): CollectContext {
  const deployment = twin.deployment({ thresholds: { natReadEveryHours: 6, ...thresholds } });
  return {
    deployment,
    aws: twin.clients(),
    calls: new CallRecorder(),
    signal: new AbortController().signal,
    now,
    ...(byHand ? { byHand } : {}),
    log: () => {},
    once: (_key, read) => read(),
  };
}
/** The cluster's VPC, as DescribeCluster gives it (the sim's configuration has no network.vpcId). */
const cluster = Promise.resolve({ resourcesVpcConfig: { vpcId: SIM_IDS.vpcId } } as Cluster);
const metricsBilled = () => twin.billed('cloudwatch:GetMetricData');

describe('Function: natReadNotDue', () => {
  it('is due in the UTC hours divisible by the cadence, and says when the next read is otherwise', () => {
    expect(natReadNotDue(new Date('2026-11-30T12:00:05Z'), 6)).toBeUndefined();
    expect(natReadNotDue(new Date('2026-11-30T00:59:59Z'), 6)).toBeUndefined();
    expect(natReadNotDue(new Date('2026-11-30T13:00:00Z'), 6)).toEqual({
      everyHours: 6,
      nextReadAt: '2026-11-30T18:00:00.000Z',
    });
    expect(natReadNotDue(new Date('2026-11-30T23:30:00Z'), 6)?.nextReadAt).toBe('2026-12-01T00:00:00.000Z');
    expect(natReadNotDue(new Date('2026-11-30T13:00:00Z'), 1)).toBeUndefined();
  });

  it('defaults to every 6 hours in the configuration schema', () => {
    expect(ThresholdsSchema.parse({}).natReadEveryHours).toBe(6);
    expect(() => ThresholdsSchema.parse({ natReadEveryHours: 0 })).toThrow();
  });
});

describe('Function: readNat on a schedule (thresholds.natReadEveryHours: 6)', () => {
  it('Compliance: a due hour reads every available gateway over the 6 hours since the last read', async () => {
    const before = metricsBilled();
    const reading = await readNat(context(new Date('2026-11-30T12:00:03Z')), cluster);
    expect(reading.notDue).toBeUndefined();
    expect(reading.windowMinutes).toBe(360);
    // Two metrics for each of the scenario's two available gateways.
    expect(metricsBilled() - before).toBe(4);
    const findings = evaluateCheck(
      check,
      { ...healthySnapshot(), nat: known(reading) },
      context(new Date('2026-11-30T12:00:03Z')).deployment,
      new Date('2026-11-30T12:00:03Z'),
    );
    expect(findings.some((f) => f.status === 'fail' && f.reason === 'port-exhaustion')).toBe(true);
  });

  it('Noncompliance 1: between two reads makes no call, and the check says it is skipped until the next read', async () => {
    const [ec2, before] = [twin.seen('ec2:DescribeNatGateways'), metricsBilled()];
    const ctx = context(new Date('2026-11-30T13:00:03Z'));
    const reading = await readNat(ctx, cluster);
    expect(reading.notDue).toEqual({ everyHours: 6, nextReadAt: '2026-11-30T18:00:00.000Z' });
    expect([twin.seen('ec2:DescribeNatGateways') - ec2, metricsBilled() - before]).toEqual([0, 0]);
    const [f, ...rest] = evaluateCheck(
      check,
      { ...healthySnapshot(), nat: known(reading) },
      ctx.deployment,
      ctx.now,
    );
    expect(rest).toEqual([]);
    // Skipped, never pass: the store keeps what the last read found open (a skipped check resolves nothing).
    expect(f).toMatchObject({ status: 'skipped', reason: 'not-applicable', resource: reading.vpcId });
    expect(f!.detail).toContain('next at 2026-11-30T18:00:00.000Z');
  });

  it('Noncompliance 2: an audit run by hand reads at any hour, over natWindowMinutes', async () => {
    const before = metricsBilled();
    const reading = await readNat(
      context(new Date('2026-11-30T13:00:03Z'), { natWindowMinutes: 30 }, true),
      cluster,
    );
    expect(reading.notDue).toBeUndefined();
    expect(reading.windowMinutes).toBe(30);
    expect(metricsBilled() - before).toBe(4);
  });
});
