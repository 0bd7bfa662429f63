import type { V1ContainerStatus } from '../../clients/kube-types.js';
import { defineCheck, type FindingInput } from '../../audit/check.js';
import type { ClusterSnapshot } from './collector.js';
import { GuideSection } from '../../audit/guide.js';
import { quote } from '../../audit/untrusted.js';
import { configFix, configReason, imageFix, imageRegistry } from './config-remediation.js';
import {
  CONFIG_REASONS,
  IMAGE_REASONS,
  groupBy,
  podName,
  statuses,
  workloadOf,
  workloadRef,
} from './pods.js';
import { CLUSTER_META } from './meta.js';

/** The reason of a container waiting on its configuration or its image. */
function reasonOf(s: V1ContainerStatus): string {
  const waiting = s.state?.waiting;
  if (waiting?.reason === 'InvalidImageName') return 'invalid-image';
  if (IMAGE_REASONS.has(waiting?.reason ?? '')) return 'image-pull';
  return configReason(waiting?.message ?? '');
}

/** Compliant when no pod of the Coder namespaces waits on a missing secret/config map or an image it cannot pull. */
export default defineCheck<ClusterSnapshot>(CLUSTER_META['pods-config-errors'], (snap, { deployment: d }) => {
  const vpc = d.network.vpcId ?? (snap.cluster.ok ? snap.cluster.value.vpcId : undefined) ?? '<vpc-id>';
  const namespaces = [...new Set([d.namespaces.coderd, d.namespaces.provisioner, d.namespaces.workspaces])];
  return namespaces.flatMap((ns): FindingInput[] => {
    const fact = snap.pods[ns];
    if (!fact?.ok) {
      const error = fact && !fact.ok ? fact.error : 'not collected';
      return [
        { status: 'error', resource: `k8s:${ns}/pods`, detail: `Could not read pods of ${ns}: ${error}` },
      ];
    }
    const blocked = fact.value.flatMap((pod) =>
      statuses(pod)
        .filter((s) => [CONFIG_REASONS, IMAGE_REASONS].some((set) => set.has(s.state?.waiting?.reason ?? '')))
        .map((s) => ({ pod, s })),
    );
    if (blocked.length === 0) {
      return [
        {
          status: 'pass',
          resource: `k8s:${ns}/pods`,
          detail: `No pod in ${ns} waits on configuration or an image.`,
        },
      ];
    }
    // One finding per workload, container and reason: the replicas of a deployment share it.
    const groups = groupBy(blocked, (b) => `${workloadOf(b.pod)}\u0000${b.s.name}\u0000${reasonOf(b.s)}`);
    return groups.map((group): FindingInput => {
      const { pod, s } = group[0]!;
      const reason = s.state!.waiting!.reason!;
      const message = (s.state!.waiting!.message ?? '').slice(0, 200);
      const image = IMAGE_REASONS.has(reason);
      const workload = workloadOf(pod);
      const pods = group.map((g) => podName(g.pod));
      const registry = image ? { registry: imageRegistry(s.image ?? '', d.aws.region) } : {};
      const of = workload.startsWith('pod/')
        ? `pod ${pods[0]}`
        : `${pods.length} pod(s) of ${workload} (${pods.join(', ')})`;
      return {
        status: 'fail',
        reason: reasonOf(s),
        scope: { namespace: ns, workload, ...registry },
        resource: workloadRef(pod),
        key: s.name,
        detail: `Container ${s.name} of ${of} waits in ${reason}: ${quote(message)}`,
        evidence: { namespace: ns, container: s.name, reason, message, image: s.image, pods },
        remediation: image ? imageFix(pod, s, vpc) : configFix(pod, message),
        // An image pull failure is a network matter (ECR/S3 VPC endpoints), not a database one.
        ...(image ? { guideSection: GuideSection.NetworkDebugging } : {}),
      };
    });
  });
});
