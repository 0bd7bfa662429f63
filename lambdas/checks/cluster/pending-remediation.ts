import type { V1Pod } from '../../clients/kube-types.js';
import type { DeploymentConfig } from '../../audit/config.js';
import { shq, type Remediation, type ScalingPlan } from '../../audit/model.js';
import { describeNodegroupCommand, knownSizes, scalingPlan } from '../nodegroup-sizing.js';
import type { ClusterSnapshot } from './collector.js';
import { podName } from './pods.js';
import { fromEks, tolerationYaml, type K8sTaint, type SchedulingCause } from './scheduling.js';

export interface PendingContext {
  deployment: DeploymentConfig;
  snap: ClusterSnapshot;
  /** The node groups the pods may go to; empty (unknown): the workspace node groups. */
  targets?: readonly string[];
}

/** The node groups the pods may go to as the snapshot has them (no sizes when they could not be read). */
function targetNodegroups(ctx: PendingContext) {
  const names = ctx.targets?.length
    ? ctx.targets
    : (ctx.deployment.eks.workspaceNodegroups ?? ctx.deployment.eks.nodegroups);
  const read = ctx.snap.nodegroups.ok ? ctx.snap.nodegroups.value : {};
  return names.map((name) => ({ name, ng: read[name] }));
}

/** The runbook's remediation for one scheduling cause, filled with the deployment's real names. */
export function remediationFor(cause: SchedulingCause, pods: V1Pod[], ctx: PendingContext): Remediation {
  const d = ctx.deployment;
  const ns = pods[0]?.metadata?.namespace ?? d.namespaces.workspaces;
  const cluster = shq(d.eks.clusterName);
  const describe = `kubectl describe pod ${shq(podName(pods[0]!))} -n ${shq(ns)}`;
  switch (cause.kind) {
    case 'insufficient':
    case 'too-many-pods': {
      const unknown: string[] = [];
      const scaling: ScalingPlan[] = [];
      const commands = targetNodegroups(ctx).flatMap(({ name, ng }) => {
        const describeNg = describeNodegroupCommand(d.eks.clusterName, name);
        // Sizes unknown (DescribeNodegroup failed): never guess a scaling command, it could shrink the group.
        const sizes = knownSizes(ng?.scalingConfig);
        if (!sizes) {
          unknown.push(name);
          return [describeNg];
        }
        const plan = scalingPlan(d.eks.clusterName, name, sizes, Math.max(1, pods.length));
        scaling.push(plan);
        return [describeNg, plan.command];
      });
      const what = cause.kind === 'insufficient' ? `${cause.resource}` : 'pod slots (max pods per node)';
      const unread = unknown.length
        ? ` The sizes of ${unknown.join(', ')} could not be read: read them first and raise desired/max from there.`
        : '';
      return {
        text:
          `The nodes have no free ${what}. Check the node group scaling and scale it up ` +
          `(or lower the pods' requests).${unread}`,
        commands: [describe, ...commands],
        ...(scaling.length ? { scaling } : {}),
      };
    }
    case 'taint': {
      const eks = targetNodegroups(ctx)
        .flatMap(({ ng }) => ng?.taints ?? [])
        .map(fromEks)
        .find((t) => t.key === cause.taint!.key);
      const taint: K8sTaint = eks ?? { ...cause.taint!, effect: 'NoSchedule' };
      return {
        text:
          `Nodes carry the taint ${taint.key}=${taint.value}:${taint.effect} that the pods do not tolerate. ` +
          `Add this toleration to the pods' spec (the workspace template for workspaces, the Helm values ` +
          `for coderd and provisioners):\n${tolerationYaml(taint)}`,
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
          ...targetNodegroups(ctx).map(
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

/** The runbook's `kubectl get nodes -l <node group label> -o jsonpath=...taints` for each node group the pods may use. */
export function nodeTaintCommands(ctx: PendingContext): string[] {
  return targetNodegroups(ctx).map(({ name, ng }) => {
    const label = ng?.labels?.['node-group']
      ? `node-group=${ng.labels['node-group']}`
      : `eks.amazonaws.com/nodegroup=${name}`;
    return `kubectl get nodes -l ${shq(label)} -o jsonpath='{.items[*].spec.taints}'`;
  });
}
