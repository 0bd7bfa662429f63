import type { V1Pod } from '@kubernetes/client-node';
import type { DeploymentConfig } from '../../audit/config.js';
import { shq, type Remediation } from '../../audit/model.js';
import { describeNodegroupCommand, knownSizes, scaleUp, scalingCommand } from '../nodegroup-sizing.js';
import type { ClusterSnapshot } from './collector.js';
import { podName } from './pods.js';
import { fromEks, tolerationYaml, type K8sTaint, type SchedulingCause } from './scheduling.js';

export interface PendingContext {
  deployment: DeploymentConfig;
  snap: ClusterSnapshot;
}

/** Workspace node groups as the snapshot has them (empty when they could not be read). */
function workspaceNodegroups(ctx: PendingContext) {
  const names = ctx.deployment.eks.workspaceNodegroups ?? ctx.deployment.eks.nodegroups;
  const read = ctx.snap.nodegroups.ok ? ctx.snap.nodegroups.value : {};
  return names.map((name) => ({ name, ng: read[name] }));
}

/** The runbook's remediation for one scheduling cause, filled with the deployment's real names. */
export function remediationFor(cause: SchedulingCause, pods: V1Pod[], ctx: PendingContext): Remediation {
  const d = ctx.deployment;
  const ns = d.namespaces.workspaces;
  const cluster = shq(d.eks.clusterName);
  const describe = `kubectl describe pod ${shq(podName(pods[0]!))} -n ${shq(ns)}`;
  switch (cause.kind) {
    case 'insufficient':
    case 'too-many-pods': {
      const unknown: string[] = [];
      const commands = workspaceNodegroups(ctx).flatMap(({ name, ng }) => {
        const describeNg = describeNodegroupCommand(d.eks.clusterName, name);
        // Sizes unknown (DescribeNodegroup failed): never guess a scaling command, it could shrink the group.
        const sizes = knownSizes(ng?.scalingConfig);
        if (!sizes) {
          unknown.push(name);
          return [describeNg];
        }
        return [
          describeNg,
          scalingCommand(d.eks.clusterName, name, scaleUp(sizes, Math.max(1, pods.length))),
        ];
      });
      const what = cause.kind === 'insufficient' ? `${cause.resource}` : 'pod slots (max pods per node)';
      const unread = unknown.length
        ? ` The sizes of ${unknown.join(', ')} could not be read: read them first and raise desired/max from there.`
        : '';
      return {
        text:
          `The workspace nodes have no free ${what}. Check the node group scaling and scale it up ` +
          `(or lower the workspace template requests).${unread}`,
        commands: [describe, ...commands],
      };
    }
    case 'taint': {
      const eks = workspaceNodegroups(ctx)
        .flatMap(({ ng }) => ng?.taints ?? [])
        .map(fromEks)
        .find((t) => t.key === cause.taint!.key);
      const taint: K8sTaint = eks ?? { ...cause.taint!, effect: 'NoSchedule' };
      return {
        text:
          `Nodes carry the taint ${taint.key}=${taint.value}:${taint.effect} that the pods do not tolerate. ` +
          `Add this toleration to the workspace template's pod spec:\n${tolerationYaml(taint)}`,
        commands: [describe, ...nodeTaintCommands(ctx)],
      };
    }
    case 'selector':
      return {
        text:
          "No node matches the pods' nodeSelector/affinity: compare the template's node selector with the node " +
          'group labels.',
        commands: [
          describe,
          ...workspaceNodegroups(ctx).map(
            ({ name }) =>
              `aws eks describe-nodegroup --cluster-name ${cluster} --nodegroup-name ${shq(name)} --query nodegroup.labels`,
          ),
        ],
      };
    case 'pvc':
      return {
        text: 'The pods wait for a PersistentVolumeClaim to bind: check the claim, its storage class and the EBS CSI driver.',
        commands: [
          describe,
          `kubectl get pvc -n ${shq(ns)}`,
          `kubectl get events -n ${shq(ns)} --sort-by='.lastTimestamp'`,
        ],
      };
    default:
      return {
        text: 'Read the scheduler events of the pods.',
        commands: [describe, `kubectl get events -n ${shq(ns)} --sort-by='.lastTimestamp'`],
      };
  }
}

/** The runbook's `kubectl get nodes -l <node group label> -o jsonpath=...taints` for each workspace node group. */
export function nodeTaintCommands(ctx: PendingContext): string[] {
  return workspaceNodegroups(ctx).map(({ name, ng }) => {
    const label = ng?.labels?.['node-group']
      ? `node-group=${ng.labels['node-group']}`
      : `eks.amazonaws.com/nodegroup=${name}`;
    return `kubectl get nodes -l ${shq(label)} -o jsonpath='{.items[*].spec.taints}'`;
  });
}
