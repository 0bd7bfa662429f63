import { describe, expect, it } from 'vitest';
import { defineCheck } from '../../lambdas/audit/check.js';
import { AuditError } from '../../lambdas/audit/errors.js';
import { defineGroup } from '../../lambdas/audit/group.js';
import { GuideSection } from '../../lambdas/audit/guide.js';
import type { GroupResult } from '../../lambdas/audit/aggregate.js';
import { makeGroupHandler, type GroupEvent } from '../../lambdas/handlers/group.js';
import {
  MAX_EVIDENCE_BYTES,
  MAX_GROUP_RESULT_BYTES,
  fitGroupResult,
} from '../../lambdas/handlers/payload.js';
import { localTelemetry } from '../../lambdas/handlers/telemetry.js';
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
    reasons: { unhealthy: { message: 'Unhealthy.', severity: 'high' } },
  },
  (snap) => [
    {
      status: snap.healthy ? 'pass' : 'fail',
      reason: 'unhealthy',
      resource: 'r-1',
      detail: `reads=${snap.reads}`,
    },
  ],
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

describe('Function: makeGroupHandler payload limit', () => {
  const many = (results: Array<{ status: 'pass' | 'fail'; evidence: Record<string, unknown> }>) =>
    defineCheck<Record<string, never>>(
      {
        id: 'example-check',
        group: 'infra',
        severity: 'high',
        title: 'Example',
        description: 'Example check.',
        risk: 'None.',
        guideSection: section,
        reasons: { unhealthy: { message: 'Unhealthy.', severity: 'high' } },
      },
      () =>
        results.map((r, i) => ({
          status: r.status,
          reason: 'unhealthy',
          resource: `r-${i}`,
          detail: `resource r-${i} ${'is described at length '.repeat(8)}`,
          evidence: r.evidence,
        })),
    );
  const handlerOf = (c: ReturnType<typeof many>) =>
    makeGroupHandler(
      defineGroup({ id: 'infra', skipReason: () => undefined, collect: async () => ({}), checks: [c] }),
      { config: () => config, telemetry: localTelemetry() },
    );

  it('Compliance: passes carry no evidence, large evidence is replaced, small evidence is kept', async () => {
    const result = await handlerOf(
      many([
        { status: 'pass', evidence: { rules: ['a', 'b'] } },
        {
          status: 'fail',
          evidence: { rules: Array.from({ length: MAX_EVIDENCE_BYTES / 8 }, (_, i) => `rule-${i}`) },
        },
        { status: 'fail', evidence: { port: 5432 } },
      ]),
    )(event);
    expect(result.findings.map((f) => [f.status, f.evidence])).toEqual([
      ['pass', {}],
      ['fail', { truncated: true }],
      ['fail', { port: 5432 }],
    ]);
  });

  it('Noncompliance 1: a result over the limit keeps only its fail and error findings', async () => {
    const results = [
      ...Array.from({ length: 400 }, () => ({ status: 'pass' as const, evidence: {} })),
      { status: 'fail' as const, evidence: { port: 5432 } },
    ];
    const result = await handlerOf(many(results))(event);
    expect(JSON.stringify(result).length).toBeLessThanOrEqual(MAX_GROUP_RESULT_BYTES);
    expect(result.findings).toEqual([expect.objectContaining({ status: 'fail', evidence: { port: 5432 } })]);
  });

  it('Noncompliance 2: failures too large together lose their evidence, never a finding', () => {
    const fail = { checkId: 'c', status: 'fail', evidence: { text: 'y'.repeat(1500) } };
    const findings = Array.from({ length: 60 }, (_, i) => ({ ...fail, resource: `r-${i}` }));
    const { result, degraded } = fitGroupResult({
      deployment: 'prod',
      group: 'infra',
      findings: findings as unknown as GroupResult['findings'],
      ms: 1,
    });
    expect(degraded).toEqual(['passes-dropped', 'evidence-dropped']);
    expect(result.findings).toHaveLength(60);
    expect(result.findings.every((f) => (f.evidence as { truncated?: boolean }).truncated)).toBe(true);
  });
});
