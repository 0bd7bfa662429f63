import { describe, expect, it } from 'vitest';
import { k8sEffect, parseSchedulingMessage, tolerates } from '../../../lambdas/checks/cluster/scheduling.js';

describe('Function: parseSchedulingMessage', () => {
  it('splits causes and drops nodes excluded by the selector when others block', () => {
    const causes = parseSchedulingMessage(
      "0/8 nodes are available: 2 node(s) didn't match Pod's node affinity/selector, 3 Insufficient cpu, " +
        '3 Insufficient memory. preemption: 0/8 nodes are available: 8 Preemption is not helpful for scheduling.',
    );
    expect(causes.map((c) => [c.id, c.nodes])).toEqual([
      ['insufficient-cpu', 3],
      ['insufficient-memory', 3],
    ]);
  });

  it('reads new and old taint wording', () => {
    const [a] = parseSchedulingMessage(
      '0/3 nodes are available: 3 node(s) had untolerated taint {coder.com/workspaces: true}.',
    );
    expect(a).toMatchObject({ kind: 'taint', taint: { key: 'coder.com/workspaces', value: 'true' } });
    const old = parseSchedulingMessage(
      "0/3 nodes are available: 1 node(s) had taint {dedicated: gpu}, that the pod didn't tolerate, 2 Too many pods.",
    );
    expect(old.map((c) => c.id)).toEqual(['taint:dedicated=gpu', 'too-many-pods']);
  });

  it('keeps the selector cause when it is the only one; unknown text is "other"', () => {
    expect(
      parseSchedulingMessage(
        "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.",
      )[0]!.kind,
    ).toBe('selector');
    expect(parseSchedulingMessage('no nodes available to schedule pods')[0]!.kind).toBe('other');
  });
});

describe('Function: tolerates', () => {
  const taint = { key: 'coder.com/workspaces', value: 'true', effect: 'NoSchedule' };
  it('follows the Kubernetes matching rules', () => {
    expect(
      tolerates([{ key: taint.key, operator: 'Equal', value: 'true', effect: 'NoSchedule' }], taint),
    ).toBe(true);
    expect(tolerates([{ key: taint.key, operator: 'Exists' }], taint)).toBe(true);
    expect(tolerates([{ operator: 'Exists' }], taint)).toBe(true);
    expect(tolerates([{ key: taint.key, value: 'true' }], taint)).toBe(true);
    expect(tolerates([{ key: taint.key, operator: 'Equal', value: 'false' }], taint)).toBe(false);
    expect(tolerates([{ key: taint.key, operator: 'Exists', effect: 'NoExecute' }], taint)).toBe(false);
    expect(tolerates(undefined, taint)).toBe(false);
  });

  it('maps EKS effects', () => {
    expect([k8sEffect('NO_SCHEDULE'), k8sEffect('NO_EXECUTE'), k8sEffect('PREFER_NO_SCHEDULE')]).toEqual([
      'NoSchedule',
      'NoExecute',
      'PreferNoSchedule',
    ]);
  });
});
