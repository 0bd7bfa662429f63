import { defineCheck, type FindingInput } from '../../audit/check.js';
import { GuideSection } from '../../audit/guide.js';
import { quote } from '../../audit/untrusted.js';
import type { ClusterSnapshot } from './collector.js';
import { CONFIG_REASONS, IMAGE_REASONS, configFix, imageFix } from './config-remediation.js';
import { podName, podRef, statuses } from './pods.js';

/** Compliant when no pod of the Coder namespaces waits on a missing secret/config map or an image it cannot pull. */
export default defineCheck<ClusterSnapshot>(
  {
    id: 'pods-config-errors',
    group: 'cluster',
    severity: 'high',
    title: 'No pod is blocked by a missing secret or an image pull failure',
    description:
      'Finds containers waiting in CreateContainerConfigError (missing secret, config map or key) or ' +
      'ImagePullBackOff/ErrImagePull in the coderd, provisioner and workspaces namespaces.',
    risk: 'The container never starts: coderd loses its database credentials, or workspaces never boot.',
    guideSection: GuideSection.DatabaseConnection,
  },
  (snap, { deployment: d }) => {
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
          .filter((s) =>
            [CONFIG_REASONS, IMAGE_REASONS].some((set) => set.has(s.state?.waiting?.reason ?? '')),
          )
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
      return blocked.map(({ pod, s }): FindingInput => {
        const reason = s.state!.waiting!.reason!;
        const message = (s.state!.waiting!.message ?? '').slice(0, 200);
        const image = IMAGE_REASONS.has(reason);
        return {
          status: 'fail',
          resource: podRef(pod),
          key: s.name,
          detail: `Container ${s.name} of pod ${podName(pod)} waits in ${reason}: ${quote(message)}`,
          evidence: { namespace: ns, container: s.name, reason, message, image: s.image },
          remediation: image ? imageFix(pod, s, vpc) : configFix(pod, message),
          // An image pull failure is a network matter (ECR/S3 VPC endpoints), not a database one.
          ...(image ? { guideSection: GuideSection.NetworkDebugging } : {}),
        };
      });
    });
  },
);
