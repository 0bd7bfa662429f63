import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { shq, type Remediation } from '../../audit/model.js';
import { podName } from './pods.js';

/** Waiting reasons of a container blocked by its configuration (secret, config map, key). */
export const CONFIG_REASONS = new Set(['CreateContainerConfigError', 'CreateContainerError']);
/** Waiting reasons of a container whose image cannot be pulled. */
export const IMAGE_REASONS = new Set(['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName']);

/** The runbook's fix for a missing secret or config map named in the kubelet's message. */
export function configFix(pod: V1Pod, message: string): Remediation {
  const ns = shq(pod.metadata?.namespace ?? '');
  const describe = `kubectl describe pod ${shq(podName(pod))} -n ${ns}`;
  const secret =
    /secret "([^"]+)" not found/.exec(message)?.[1] ?? /in Secret [^/\s]+\/(\S+)/.exec(message)?.[1];
  if (secret) {
    return {
      text: `Create the secret ${secret} (or fix its name/key in the Helm values), then restart the pod.`,
      commands: [`kubectl get secret -n ${ns} ${shq(secret)}`, describe],
    };
  }
  const configMap = /configmap "([^"]+)" not found/i.exec(message)?.[1];
  if (configMap) {
    return {
      text: `Create the config map ${configMap}, then restart the pod.`,
      commands: [`kubectl get configmap -n ${ns} ${shq(configMap)}`, describe],
    };
  }
  return { text: 'Read the pod events for the configuration error.', commands: [describe] };
}

/** An image pull failure: in private subnets, usually a missing ECR/S3 VPC endpoint. */
export function imageFix(pod: V1Pod, s: V1ContainerStatus, vpcId: string): Remediation {
  return {
    text:
      `The node cannot pull ${s.image}. In private subnets this is often a missing ecr.api, ecr.dkr or s3 VPC ` +
      'endpoint (or a wrong image tag, or no ECR pull permission on the node role).',
    commands: [
      `kubectl describe pod ${shq(podName(pod))} -n ${shq(pod.metadata?.namespace ?? '')}`,
      `aws ec2 describe-vpc-endpoints --filters "Name=vpc-id,Values=${vpcId}"`,
    ],
  };
}
