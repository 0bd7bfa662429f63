import type { Nodegroup } from '@aws-sdk/client-eks';
import { describe, expect, it } from 'vitest';
import { known } from '../../../lambdas/audit/fact.js';
import check from '../../../lambdas/checks/cluster/nodegroup-taints-tolerated.js';
import {
  deploymentConfig,
  failed,
  failing,
  nodegroup,
  only,
  run,
  snapshot,
  withPods,
  wsPod,
} from './fixtures.js';

const PENDING = '0/8 nodes are available: 6 node(s) had untolerated taint {coder.com/workspaces: true}.';

/** A GPU node group: its own label and taint, not meant for ordinary workspaces. */
const GPU: Nodegroup = nodegroup({
  nodegroupName: 'coder-prod-gpu',
  nodegroupArn: 'arn:aws:eks:us-east-1:123456789012:nodegroup/coder-prod/coder-prod-gpu/9f9f',
  labels: { 'coder.com/pool': 'gpu' },
  taints: [{ key: 'nvidia.com/gpu', value: 'true', effect: 'NO_SCHEDULE' }],
});
const withGpu = (base = snapshot()) => ({
  ...base,
  nodegroups: known({ 'coder-prod-ws': nodegroup(), 'coder-prod-gpu': GPU }),
});
/** A deployment whose workspaces use two node groups: the general one and the GPU one. */
const GPU_CONFIG = deploymentConfig({
  eks: {
    nodegroups: ['coder-prod-system', 'coder-prod-ws', 'coder-prod-gpu'],
    workspaceNodegroups: ['coder-prod-ws', 'coder-prod-gpu'],
  },
});

describe('Check: nodegroup-taints-tolerated', () => {
  it('Compliance', () => {
    const f = only(run(check, snapshot()));
    expect(f).toMatchObject({ status: 'pass', evidence: { pods: 2 } });
    expect(f.detail).toContain(
      'coder.com/workspaces=true:NoSchedule of coder-prod-ws: all 2 pod(s) in coder-ws',
    );
  });

  it('Compliance: running workspaces on the workspace group do not need the GPU group taint', () => {
    const findings = run(check, withGpu(), GPU_CONFIG);
    expect(findings.map((f) => [f.status, f.evidence.nodegroup])).toEqual([
      ['pass', 'coder-prod-ws'],
      ['pass', 'coder-prod-gpu'],
    ]);
    expect(findings[1]!.detail).toContain('no pod in coder-ws targets this node group');
  });

  it('Compliance: a node group that is not a workspace node group is not judged (its taint keeps workspaces away)', () => {
    const stuck = wsPod('ws-stuck', { nodeSelector: {}, tolerations: [], unschedulable: PENDING });
    const findings = run(check, withGpu(withPods('coder-ws', [stuck])));
    expect(findings.map((f) => f.evidence.nodegroup)).toEqual(['coder-prod-ws']);
  });

  it('Noncompliance 5: a pod targets a group by the EKS label or by node affinity', () => {
    const byEks = wsPod('ws-eks', { nodeSelector: { 'eks.amazonaws.com/nodegroup': 'coder-prod-gpu' } });
    const gpuToleration = { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' };
    const byAffinity = wsPod('ws-aff', {
      nodeSelector: {},
      tolerations: [gpuToleration],
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: 'coder.com/pool', operator: 'In', values: ['gpu'] }] },
            ],
          },
        },
      },
    });
    const gpu = run(check, withGpu(withPods('coder-ws', [byEks, byAffinity])), GPU_CONFIG)[1]!;
    // ws-eks targets the GPU group without its toleration: only it fails; the affinity pod tolerates it.
    expect(gpu).toMatchObject({ status: 'fail', evidence: { pods: 2, untolerated: ['ws-eks'] } });
  });

  it('Compliance: an Exists toleration without key tolerates everything; no pods is a pass with a note', () => {
    const all = wsPod('ws-any', { tolerations: [{ operator: 'Exists' }] });
    expect(only(run(check, withPods('coder-ws', [all]))).status).toBe('pass');
    const empty = only(run(check, withPods('coder-ws', [])));
    expect(empty).toMatchObject({ status: 'pass' });
    expect(empty.detail).toContain('no pod in coder-ws targets this node group or waits to be scheduled');
  });

  it('Noncompliance 1: pods targeting the group without the toleration', () => {
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

  it('Noncompliance 4: an unscheduled pod without selector that tolerates no group fails each group', () => {
    const stuck = wsPod('ws-stuck', { nodeSelector: {}, tolerations: [], unschedulable: PENDING });
    const running = wsPod('ws-untargeted', { nodeSelector: {}, tolerations: [] });
    const fails = failing(
      run(check, withGpu(withPods('coder-ws', [wsPod('ws-ok'), stuck, running])), GPU_CONFIG),
    );
    expect(fails.map((f) => [f.evidence.nodegroup, f.evidence.untolerated])).toEqual([
      ['coder-prod-ws', ['ws-stuck']],
      ['coder-prod-gpu', ['ws-stuck']],
    ]);
    // Tolerating the workspace group is enough: the GPU taint then does not matter for it.
    const ok = wsPod('ws-pending', { nodeSelector: {}, unschedulable: PENDING });
    expect(failing(run(check, withGpu(withPods('coder-ws', [ok])), GPU_CONFIG))).toEqual([]);
  });

  it('Error when DescribeNodegroup failed', () => {
    expect(only(run(check, { ...snapshot(), nodegroups: failed('eks:DescribeNodegroup') })).status).toBe(
      'error',
    );
  });
});
