import { describe, expect, it } from 'vitest';
import { known } from '../../../lambdas/audit/fact.js';
import check from '../../../lambdas/checks/cluster/pods-pending.js';
import nodegroupCapacity from '../../../lambdas/checks/infra/nodegroup-capacity.js';
import {
  nodegroup as infraNodegroup,
  run as runInfra,
  snapshot as infraSnapshot,
} from '../infra/fixtures.js';
import {
  coderPod,
  failed,
  failing,
  nodegroup,
  only,
  run,
  schedulingEvent,
  snapshot,
  withPods,
  wsPod,
} from './fixtures.js';

const CPU =
  "0/8 nodes are available: 2 node(s) didn't match Pod's node affinity/selector, 6 Insufficient cpu. " +
  'preemption: 0/8 nodes are available: 8 Preemption is not helpful for scheduling.';
const TAINT =
  "0/8 nodes are available: 2 node(s) didn't match Pod's node affinity/selector, 6 node(s) had untolerated " +
  'taint {coder.com/workspaces: true}. preemption: 0/8 nodes are available: 8 Preemption is not helpful for scheduling.';

describe('Check: pods-pending', () => {
  it('Compliance', () => {
    const young = wsPod('ws-new', { ageMinutes: 5, unschedulable: CPU });
    const f = only(run(check, withPods('coder-ws', [wsPod('ws-alice'), young])));
    expect(f).toMatchObject({ status: 'pass', resource: 'k8s:coder-ws/pods' });
    expect(f.detail).toContain('1 younger than 15 min');
  });

  it('Noncompliance 1: insufficient cpu, grouped, with the scale-up command', () => {
    const pods = [
      wsPod('ws-a', { ageMinutes: 30, unschedulable: CPU }),
      wsPod('ws-b', { ageMinutes: 20, unschedulable: CPU }),
    ];
    const f = only(failing(run(check, withPods('coder-ws', pods))));
    expect(f).toMatchObject({ severity: 'high', resource: 'k8s:coder-ws/pods-pending/insufficient-cpu' });
    expect(f.evidence).toMatchObject({ pods: ['ws-a', 'ws-b'], count: 2 });
    expect(f.remediation?.commands).toEqual([
      'kubectl describe pod ws-a -n coder-ws',
      'aws eks describe-nodegroup --cluster-name coder-prod --nodegroup-name coder-prod-ws',
      'aws eks update-nodegroup-config --cluster-name coder-prod --nodegroup-name coder-prod-ws --scaling-config minSize=2,maxSize=20,desiredSize=8',
    ]);
  });

  it('Noncompliance 2: untolerated taint, with the toleration from the node group taint', () => {
    const f = only(
      failing(run(check, withPods('coder-ws', [wsPod('ws-a', { ageMinutes: 30, unschedulable: TAINT })]))),
    );
    expect(f.resource).toBe('k8s:coder-ws/pods-pending/taint:coder.com/workspaces=true');
    expect(f.remediation?.text).toContain('key: "coder.com/workspaces"');
    expect(f.remediation?.text).toContain('effect: "NoSchedule"');
    expect(f.remediation?.commands).toContain(
      "kubectl get nodes -l eks.amazonaws.com/nodegroup=coder-prod-ws -o jsonpath='{.items[*].spec.taints}'",
    );
  });

  it('Noncompliance 3: one finding per cause, message from the FailedScheduling event', () => {
    const pvc = wsPod('ws-pvc', { ageMinutes: 30, unschedulable: ' ' });
    const pods = [pvc, wsPod('ws-cpu', { ageMinutes: 30, unschedulable: CPU })];
    const events = [
      schedulingEvent(
        'ws-pvc',
        '0/8 nodes are available: 8 pod has unbound immediate PersistentVolumeClaims.',
      ),
    ];
    const snap = { ...withPods('coder-ws', pods), schedulingEvents: known(events) };
    const ids = failing(run(check, snap)).map((f) => f.evidence.cause);
    expect(ids.sort()).toEqual(['insufficient-cpu', 'pvc']);
  });

  it('Noncompliance 4: a scale-up beyond maxSize raises maxSize by 50%, as nodegroup-capacity does', () => {
    const pods = [wsPod('ws-a', { ageMinutes: 30, unschedulable: CPU })];
    const ng = { 'coder-prod-ws': nodegroup({ scalingConfig: { minSize: 1, maxSize: 6, desiredSize: 6 } }) };
    const f = only(failing(run(check, { ...withPods('coder-ws', pods), nodegroups: known(ng) })));
    expect(f.remediation?.commands.at(-1)).toContain('--scaling-config minSize=1,maxSize=9,desiredSize=7');
  });

  it('Noncompliance 5: same maximum as nodegroup-capacity for a full node group (20/20, 2 pods pending)', () => {
    const pods = [
      wsPod('ws-a', { ageMinutes: 30, unschedulable: CPU }),
      wsPod('ws-b', { ageMinutes: 30, unschedulable: CPU }),
    ];
    const scalingConfig = { minSize: 2, maxSize: 20, desiredSize: 20 };
    const ng = { 'coder-prod-ws': nodegroup({ scalingConfig }) };
    const f = only(failing(run(check, { ...withPods('coder-ws', pods), nodegroups: known(ng) })));
    const infra = infraSnapshot({
      nodegroups: known({ 'coder-prod-ws': infraNodegroup('coder-prod-ws', { scalingConfig }) }),
    });
    const capacity = failing(runInfra(nodegroupCapacity, infra));
    const maxOf = (cmd: string | undefined) => /maxSize=(\d+)/.exec(cmd ?? '')?.[1];
    expect(capacity).toHaveLength(1);
    expect(maxOf(capacity[0]!.remediation?.commands.at(-1))).toBe('30');
    expect(maxOf(f.remediation?.commands.at(-1))).toBe('30');
    expect(f.remediation?.commands.at(-1)).toContain('--scaling-config minSize=2,maxSize=30,desiredSize=22');
  });

  it('Noncompliance 6: node group sizes unknown (DescribeNodegroup denied): describe only, never a scaling command', () => {
    const pods = [
      wsPod('ws-a', { ageMinutes: 30, unschedulable: CPU }),
      wsPod('ws-b', { ageMinutes: 30, unschedulable: CPU }),
    ];
    const snap = { ...withPods('coder-ws', pods), nodegroups: failed<never>('eks:DescribeNodegroup') };
    const f = only(failing(run(check, snap)));
    expect(f.remediation?.commands).toEqual([
      'kubectl describe pod ws-a -n coder-ws',
      'aws eks describe-nodegroup --cluster-name coder-prod --nodegroup-name coder-prod-ws',
    ]);
    expect(f.remediation?.text).toContain('The sizes of coder-prod-ws could not be read');
    const partial = { 'coder-prod-ws': nodegroup({ scalingConfig: { desiredSize: 6 } }) };
    const g = only(failing(run(check, { ...snap, nodegroups: known(partial) })));
    expect(g.remediation?.commands.join('\n')).not.toContain('update-nodegroup-config');
  });

  it('Noncompliance 7: a pending coderd pod is found too, scoped to its workload and node group', () => {
    const system = nodegroup({
      nodegroupName: 'coder-prod-system',
      labels: { 'coder.com/pool': 'system' },
      taints: [],
      scalingConfig: { minSize: 2, maxSize: 4, desiredSize: 4 },
    });
    const stuck = coderPod('coder-a', {
      ageMinutes: 30,
      nodeSelector: { 'coder.com/pool': 'system' },
      unschedulable:
        "0/8 nodes are available: 2 Insufficient memory, 6 node(s) didn't match Pod's node affinity/selector.",
    });
    const snap = {
      ...withPods('coder', [stuck, coderPod('coder-b')]),
      nodegroups: known({ 'coder-prod-ws': nodegroup(), 'coder-prod-system': system }),
    };
    const f = only(failing(run(check, snap)));
    expect(f).toMatchObject({
      reason: 'insufficient-resources',
      resource: 'k8s:coder/pods-pending/insufficient-memory',
      scope: { namespace: 'coder', workload: ['pod/coder-a'], nodegroup: ['coder-prod-system'] },
    });
    expect(f.remediation?.commands.at(-1)).toBe(
      'aws eks update-nodegroup-config --cluster-name coder-prod --nodegroup-name coder-prod-system --scaling-config minSize=2,maxSize=6,desiredSize=5',
    );
  });

  it('Error when the pods could not be read', () => {
    const base = snapshot();
    expect(only(run(check, { ...base, pods: { ...base.pods, 'coder-ws': failed() } })).status).toBe('error');
  });
});
