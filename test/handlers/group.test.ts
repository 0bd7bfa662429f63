import { INFRA_CLIENTS } from '../../lambdas/checks/infra/clients.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineCheck } from '../../lambdas/audit/check.js';
import { AuditError } from '../../lambdas/audit/errors.js';
import { defineGroup } from '../../lambdas/audit/group.js';
import { GuideSection } from '../../lambdas/audit/guide.js';
import { makeGroupHandler, type GroupEvent } from '../../lambdas/handlers/group.js';
import {
  MAX_EVIDENCE_BYTES,
  MAX_INLINE_RESULT_BYTES,
  payloadBytes,
  unpackGroupResults,
} from '../../lambdas/handlers/payload.js';
import { localTelemetry } from '../../lambdas/handlers/telemetry.js';
import { ResultStore } from '../../lambdas/store/results.js';
import { testDeployment } from '../fixtures/deployment.js';
import { createFindingsTable, localClients, startDynalite, type Dynalite } from '../helpers/dynalite.js';

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
let db: Dynalite;
let results: ResultStore;
let destroy = () => {};
beforeAll(async () => {
  db = await startDynalite();
  const { client, doc } = localClients(db.endpoint);
  await createFindingsTable(client, 'group-results');
  results = new ResultStore({ client: doc, tableName: 'group-results' });
  destroy = () => client.destroy();
});
afterAll(async () => {
  destroy();
  await db?.stop();
});
const deps = () => ({ results, telemetry: localTelemetry(), awsClients: INFRA_CLIENTS });
const event: GroupEvent = {
  deployment: 'prod',
  document: config.deployments[0],
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
    const handler = makeGroupHandler(group, deps());
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
    const result = await makeGroupHandler(group, deps())(event);
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
    const handler = makeGroupHandler(group, deps());
    await expect(handler({ ...event, group: 'coder' })).rejects.toThrow(AuditError);
    await expect(handler({ ...event, deployment: 'staging' })).rejects.toThrow(
      'the configuration document of "staging" holds deployment "prod"',
    );
    await expect(handler({ ...event, document: undefined })).rejects.toThrow('no configuration document');
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
      deps(),
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

  it('Noncompliance 1: a result over the inline limit travels by reference, every finding kept', async () => {
    const results_ = [
      ...Array.from({ length: 400 }, () => ({ status: 'pass' as const, evidence: {} })),
      { status: 'fail' as const, evidence: { port: 5432 } },
    ];
    const result = await handlerOf(many(results_))(event);
    expect(payloadBytes(result)).toBeLessThanOrEqual(MAX_INLINE_RESULT_BYTES);
    expect(result.findings).toEqual([]);
    expect(result.ref).toMatchObject({ findings: 401, chunks: 1 });
    const [full] = await unpackGroupResults([result], results);
    expect(full!.findings).toHaveLength(401);
    expect(full!.findings.filter((f) => f.status === 'fail')).toEqual([
      expect.objectContaining({ evidence: { port: 5432 } }),
    ]);
  });
});
