import { describe, expect, it } from 'vitest';
import { runDemo } from '../../sim/demo.js';
import { loadScenario } from '../../sim/scenario.js';

describe('Function: runDemo', () => {
  it("returns the report the workflow recorded: the Aggregate task's own, with its execution and every group's calls", async () => {
    const demo = await runDemo({ scenario: loadScenario('demo') });
    const r = demo.report;
    expect(r.executionId).toEqual(expect.any(String));
    expect(r.groupErrors).toEqual({});
    const byGroup = Object.values(r.callsByGroup ?? {});
    expect(Object.keys(r.callsByGroup ?? {}).sort()).toEqual(['cluster', 'coder', 'database', 'infra']);
    expect(r.calls.total).toBe(byGroup.reduce((n, c) => n + c.total, 0));
    expect(r.rootCauses?.[0]).toMatchObject({ checkId: 'db-sg-allows-nodes' });
    // What the store holds open is what the report says fails (muted ones aside).
    const failing = r.findings.filter((f) => f.status === 'fail' || f.status === 'error').length;
    expect(demo.workflow.storedOpen).toBe(failing);
  }, 60_000);
});
