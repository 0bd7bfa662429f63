import { describe, expect, it } from 'vitest';
import {
  changeOf,
  compact,
  planFinding,
  type FindingItem,
  type PlanContext,
} from '../../lambdas/store/items.js';
import { finding } from './fixtures.js';

const ctx = (executionId: string, startedAt: string, checkRan = true): PlanContext => ({
  deployment: 'prod',
  executionId,
  startedAt,
  checkRan,
  resolvedExpiresAt: 1_900_000_000,
});
const T1 = '2030-01-01T10:00:00.000Z';
const T2 = '2030-01-01T11:00:00.000Z';
const fail = finding('nodegroup-capacity', 'fail', { severity: 'medium', resource: 'coder-prod/ws' });

function opened(): FindingItem {
  const item = planFinding(undefined, fail, ctx('e1', T1));
  if (!item) throw new Error('expected an item');
  return item;
}

describe('Function: planFinding', () => {
  it('opens a new failing finding in the open index', () => {
    const item = opened();
    expect(item).toMatchObject({
      pk: 'DEP#prod',
      sk: `FND#${fail.fingerprint}`,
      status: 'open',
      result: 'fail',
      occurrences: 1,
      openedBy: 'e1',
      gsi1pk: 'OPEN',
      gsi1sk: `2#medium#prod#${fail.fingerprint}`,
    });
    expect(item).not.toHaveProperty('evidence');
    expect(changeOf(item, 'e1')).toEqual({ kind: 'opened' });
  });

  it('escalates when the severity rises and only updates otherwise', () => {
    const up = planFinding(opened(), { ...fail, severity: 'critical' }, ctx('e2', T2));
    expect(up && changeOf(up, 'e2')).toEqual({ kind: 'escalated', from: 'medium' });
    expect(up?.gsi1sk).toBe(`0#critical#prod#${fail.fingerprint}`);
    const down = planFinding(opened(), { ...fail, severity: 'low' }, ctx('e2', T2));
    expect(down && changeOf(down, 'e2')).toBeUndefined();
    expect(down).toMatchObject({ occurrences: 2, lastSeen: T2, severity: 'low', openedBy: 'e1' });
  });

  it('resolves on a pass, or on absence when the check ran, and leaves the index', () => {
    const resolved = planFinding(opened(), undefined, ctx('e2', T2));
    expect(resolved).toMatchObject({
      status: 'resolved',
      resolvedBy: 'e2',
      resolvedAt: T2,
      expiresAt: 1_900_000_000,
    });
    expect(resolved).not.toHaveProperty('gsi1pk');
    expect(resolved).not.toHaveProperty('gsi1sk');
    expect(resolved && changeOf(resolved, 'e2')).toEqual({ kind: 'resolved' });
    expect(planFinding(opened(), { ...fail, status: 'pass' }, ctx('e2', T2, false))?.status).toBe('resolved');
  });

  it('writes nothing when the check did not run or nothing was open', () => {
    expect(planFinding(opened(), undefined, ctx('e2', T2, false))).toBeUndefined();
    expect(planFinding(undefined, { ...fail, status: 'pass' }, ctx('e2', T2))).toBeUndefined();
  });

  it('re-opens a resolved finding, keeping when it was first seen', () => {
    const resolved = planFinding(opened(), undefined, ctx('e2', T2));
    const again = planFinding(resolved, fail, ctx('e3', '2030-01-01T12:00:00.000Z'));
    expect(again).toMatchObject({ status: 'open', firstSeen: T1, openedBy: 'e3', occurrences: 2 });
    expect(again).not.toHaveProperty('resolvedBy');
    expect(again).not.toHaveProperty('expiresAt');
  });
});

describe('Function: changeOf', () => {
  it('reports nothing for another execution', () => {
    expect(changeOf(opened(), 'e2')).toBeUndefined();
  });
});

describe('Function: compact', () => {
  it('drops undefined values at any depth', () => {
    expect(compact({ a: 1, b: undefined, c: { d: undefined, e: [1, { f: undefined }] } })).toEqual({
      a: 1,
      c: { e: [1, {}] },
    });
  });
});
