import { describe, expect, it } from 'vitest';
import { known } from '../../../lambdas/audit/fact.js';
import check from '../../../lambdas/checks/cluster/nodegroup-taints-tolerated.js';
import { failed, nodegroup, only, run, snapshot, withPods, wsPod } from './fixtures.js';

describe('Check: nodegroup-taints-tolerated', () => {
  it('Compliance', () => {
    const f = only(run(check, snapshot()));
    expect(f).toMatchObject({ status: 'pass' });
    expect(f.detail).toContain('All 2 pods in coder-ws tolerate coder.com/workspaces=true:NoSchedule');
  });

  it('Compliance: an Exists toleration without key tolerates everything; no pods is a pass with a note', () => {
    const all = wsPod('ws-any', { tolerations: [{ operator: 'Exists' }] });
    expect(only(run(check, withPods('coder-ws', [all]))).status).toBe('pass');
    const empty = only(run(check, withPods('coder-ws', [])));
    expect(empty).toMatchObject({ status: 'pass' });
    expect(empty.detail).toContain('no pods in coder-ws to compare');
  });

  it('Noncompliance 1: pods without the toleration', () => {
    const bare = wsPod('ws-bare', {
      tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' }],
    });
    const f = only(run(check, withPods('coder-ws', [wsPod('ws-ok'), bare])));
    expect(f).toMatchObject({ status: 'fail', severity: 'high' });
    expect(f.evidence).toMatchObject({ untolerated: ['ws-bare'], untoleratedCount: 1 });
    expect(f.remediation?.text).toContain('value: "true"');
  });

  it('Noncompliance 2: wrong value or wrong effect does not tolerate', () => {
    const value = wsPod('ws-v', {
      tolerations: [{ key: 'coder.com/workspaces', operator: 'Equal', value: 'yes', effect: 'NoSchedule' }],
    });
    const effect = wsPod('ws-e', {
      tolerations: [{ key: 'coder.com/workspaces', operator: 'Exists', effect: 'NoExecute' }],
    });
    const f = only(run(check, withPods('coder-ws', [value, effect])));
    expect(f.evidence).toMatchObject({ untoleratedCount: 2 });
  });

  it('Noncompliance 3: a missing node group is an error, a NO_EXECUTE taint is checked too', () => {
    const ng = nodegroup({ taints: [{ key: 'dedicated', value: 'ws', effect: 'NO_EXECUTE' }] });
    const f = only(run(check, { ...snapshot(), nodegroups: known({ 'coder-prod-ws': ng }) }));
    expect(f).toMatchObject({ status: 'fail' });
    expect(f.detail).toContain('dedicated=ws:NoExecute');
    expect(
      only(run(check, { ...snapshot(), nodegroups: known({ 'coder-prod-ws': undefined }) })).status,
    ).toBe('error');
  });

  it('Error when DescribeNodegroup failed', () => {
    expect(only(run(check, { ...snapshot(), nodegroups: failed('eks:DescribeNodegroup') })).status).toBe(
      'error',
    );
  });
});
