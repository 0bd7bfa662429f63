import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deepMerge, loadScenario } from '../../sim/scenario.js';

const dir = mkdtempSync(join(tmpdir(), 'scn-'));
const file = (name: string, text: string) => writeFileSync(join(dir, `${name}.yaml`), text);

file(
  'base',
  'kubernetes: { pods: { p: { state: { running: {} }, ready: true } }, replicas: 2 }\nfaults: [{ service: ec2, kind: latency, ms: 5 }]\n',
);
file(
  'a',
  'extends: ./base.yaml\nkubernetes: { pods: { p: { state: { running: null, waiting: { reason: CrashLoopBackOff } } } } }\nexpect: { failing: [x] }\n',
);
file('b', 'extends: ./base.yaml\nkubernetes: { replicas: 0 }\nfaults: [{ service: rds, kind: hang }]\n');
file('ab', 'description: both\nextends: [./base.yaml, ./a.yaml, ./b.yaml]\nexpect: { failing: [x, y] }\n');
file('loop', 'extends: ./loop.yaml\n');

describe('Function: loadScenario', () => {
  it("combines scenarios as the base plus each one's own changes, deletions included", () => {
    const s = loadScenario(join(dir, 'ab.yaml'));
    expect(s.kubernetes).toEqual({
      pods: { p: { state: { waiting: { reason: 'CrashLoopBackOff' } }, ready: true } },
      replicas: 0,
    });
    expect(s.faults.map((f) => f.service)).toEqual(['ec2', 'rds']);
    expect(s.expect.failing).toEqual(['x', 'y']);
    expect(s.description).toBe('both');
  });

  it('does not inherit expectations', () => {
    file('c', 'extends: ./a.yaml\n');
    expect(loadScenario(join(dir, 'c.yaml')).expect.failing).toEqual([]);
  });

  it('reports cycles and unknown names', () => {
    expect(() => loadScenario(join(dir, 'loop.yaml'))).toThrowError(/extends itself/);
    expect(() => loadScenario('no-such-scenario')).toThrowError(
      /unknown scenario "no-such-scenario"; available: .*healthy/,
    );
  });
});

describe('Function: deepMerge', () => {
  it('merges objects, replaces arrays and deletes on null', () => {
    expect(deepMerge({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, d: null })).toEqual({
      a: { b: 1, c: [3] },
    });
  });
});
