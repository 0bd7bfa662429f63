import { describe, expect, it } from 'vitest';
import { defineCheck } from '../../lambdas/audit/check.js';
import { AuditError } from '../../lambdas/audit/errors.js';
import { defineGroup } from '../../lambdas/audit/group.js';
import { GuideSection } from '../../lambdas/audit/guide.js';
import { makeGroupHandler, type GroupEvent } from '../../lambdas/handlers/group.js';
import { localTelemetry } from '../../lambdas/handlers/runtime.js';
import { testDeployment } from '../fixtures/deployment.js';

const section = Object.values(GuideSection)[0] as GuideSection;
const check = defineCheck<{ healthy: boolean; reads: number }>(
  {
    id: 'example-check',
    group: 'infra',
    severity: 'high',
    title: 'Example',
    description: 'Example check.',
    risk: 'None.',
    guideSection: section,
  },
  (snap) => [{ status: snap.healthy ? 'pass' : 'fail', resource: 'r-1', detail: `reads=${snap.reads}` }],
);
const config = { deployments: [testDeployment()], schedule: 'rate(1 hour)' };
const event: GroupEvent = {
  deployment: 'prod',
  group: 'infra',
  executionId: 'arn:aws:states:us-east-1:123456789012:execution:sm:e1',
  startedAt: '2025-01-01T00:00:00.000Z',
};

describe('Function: makeGroupHandler', () => {
  it('Compliance: collects once, evaluates the checks and reports calls', async () => {
    let collects = 0;
    const group = defineGroup({
      id: 'infra',
      skipReason: () => undefined,
      collect: async (ctx) => {
        collects += 1;
        const reads = await ctx.calls.track('http', 'GET', '/x', async () => 1);
        return { healthy: false, reads };
      },
      checks: [check],
    });
    const handler = makeGroupHandler(group, { config: () => config, telemetry: localTelemetry() });
    const result = await handler(event);
    handler.close();
    expect(collects).toBe(1);
    expect(result).toMatchObject({ deployment: 'prod', group: 'infra', calls: { total: 1 } });
    expect(result.findings).toEqual([
      expect.objectContaining({
        checkId: 'example-check',
        status: 'fail',
        detail: 'reads=1',
        severity: 'high',
      }),
    ]);
  });

  it('Noncompliance 1: a skipped group returns no findings and says why', async () => {
    const group = defineGroup({
      id: 'infra',
      skipReason: () => 'database not configured',
      collect: async () => ({ healthy: true, reads: 0 }),
      checks: [check],
    });
    const result = await makeGroupHandler(group, { config: () => config, telemetry: localTelemetry() })(
      event,
    );
    expect(result).toEqual({
      deployment: 'prod',
      group: 'infra',
      findings: [],
      ms: 0,
      skipped: 'database not configured',
    });
  });

  it('Noncompliance 2: an event for another group or deployment is refused', async () => {
    const group = defineGroup({
      id: 'infra',
      skipReason: () => undefined,
      collect: async () => ({ healthy: true, reads: 0 }),
      checks: [check],
    });
    const handler = makeGroupHandler(group, { config: () => config, telemetry: localTelemetry() });
    await expect(handler({ ...event, group: 'coder' })).rejects.toThrow(AuditError);
    await expect(handler({ ...event, deployment: 'staging' })).rejects.toThrow('unknown deployment');
  });
});
