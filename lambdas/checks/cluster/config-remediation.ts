import type { V1ContainerStatus, V1Pod } from '../../clients/kube-types.js';
import { Component, shq, type Remediation } from '../../audit/model.js';
import { CONFIG_REASONS, IMAGE_REASONS, mainContainer, neverStarted, podName, statuses } from './pods.js';

/**
 * The reason of a container blocked by its configuration, from the kubelet's message (kubernetes
 * pkg/kubelet/kubelet_pods.go: the API's `secret "<name>" not found`, `couldn't find key <key> in Secret
 * <ns>/<name>`, and the same for config maps; older kubelets capitalise "Couldn't").
 */
export function configReason(
  message: string,
): 'missing-secret' | 'missing-secret-key' | 'missing-config-map' | 'config-error' {
  if (/secret "[^"]+" not found/i.test(message)) return 'missing-secret';
  if (/couldn't find key \S+ in Secret /i.test(message)) return 'missing-secret-key';
  if (/configmap "[^"]+" not found|couldn't find key \S+ in ConfigMap /i.test(message)) {
    return 'missing-config-map';
  }
  return 'config-error';
}

/**
 * Where an image comes from, as root-cause rules compare it: `ecr` for a private ECR registry of the
 * deployment's region (`<account>.dkr.ecr.<region>.amazonaws.com`, what the ecr.api, ecr.dkr and s3 VPC
 * endpoints serve), else the registry host (`docker.io` for a name without one, as the kubelet resolves it).
 */
export function imageRegistry(image: string, region: string): string {
  const first = image.split('/')[0] ?? '';
  const host = image.includes('/') && /[.:]|^localhost$/.test(first) ? first.toLowerCase() : 'docker.io';
  return host === `${/^\d{12}/.exec(host)?.[0] ?? '-'}.dkr.ecr.${region}.amazonaws.com` ? 'ecr' : host;
}

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

/** The fix by what the pod is doing: never started (events), OOMKilled, restarted (previous logs), unready. */
export function coderdPodFix(
  pod: V1Pod,
  oomKilled: boolean,
  restarts: number,
  listPods: string,
): Remediation {
  const ns = shq(pod.metadata?.namespace ?? '');
  const pname = shq(podName(pod));
  const describe = `kubectl describe pod ${pname} -n ${ns}`;
  const why = neverStarted(pod, mainContainer(pod, 'coder'));
  if (why) {
    const reason = statuses(pod).find((s) => s.state?.waiting)?.state?.waiting?.reason ?? '';
    const config = CONFIG_REASONS.has(reason) || IMAGE_REASONS.has(reason);
    return {
      text:
        `The coderd container never started (${why}): no log to read yet; the pod events ` +
        `say why${config ? ' (see the pods-config-errors finding for the missing secret or image)' : ''}.`,
      commands: [describe, `kubectl get events -n ${ns} --field-selector involvedObject.name=${pname}`],
    };
  }
  if (oomKilled) {
    return {
      text: 'The container was OOMKilled: raise its memory limit (Helm value coder.resources.limits.memory).',
      commands: [listPods, `kubectl logs -n ${ns} ${pname} --previous`],
    };
  }
  return {
    text:
      restarts > 0
        ? 'Check the readiness probe and the previous container logs.'
        : 'Check the readiness probe and the container logs.',
    commands: [
      listPods,
      `${describe} | grep -A 10 "Readiness:"`,
      `kubectl logs -n ${ns} ${pname}${restarts > 0 ? ' --previous' : ''}`,
    ],
  };
}

/** A Failed pod (e.g. evicted) that lingers next to running replacements: read why, then delete it. */
export function lingeringPodFix(pod: V1Pod): Remediation {
  const [name, ns] = [shq(podName(pod)), shq(pod.metadata?.namespace ?? '')];
  return {
    text: 'Read why it failed (an eviction names the node pressure), then delete the leftover pod.',
    commands: [`kubectl describe pod ${name} -n ${ns}`, `kubectl delete pod ${name} -n ${ns}`],
  };
}

/**
 * The fix of coderd's OIDC settings: the variables to set in the Helm values (`coder.env`), then coderd's
 * OIDC env and logs. With coderd down, the env is read from the deployment's spec instead of a container.
 */
export function oidcEnvFix(ns: string, name: string, values: ReadonlyArray<[string, string]>): Remediation {
  const env = values.map(([k, v]) => `\n    - name: ${k}\n      value: "${v}"`).join('');
  const text = `Set in the Helm values (coder.env) and upgrade the release:\ncoder:\n  env:${env}`;
  const logs = `kubectl logs -n ${shq(ns)} -l app.kubernetes.io/name=coder --tail=-1 --prefix | grep -i oidc`;
  const spec = `kubectl get deployment ${shq(name)} -n ${shq(ns)} -o jsonpath=${shq('{.spec.template.spec.containers[?(@.name=="coder")].env}')}`;
  return {
    text,
    commands: [`kubectl exec -it deploy/${shq(name)} -n ${shq(ns)} -- env | grep OIDC`, logs],
    needs: [Component.Coderd],
    otherwise: { text, commands: [spec, logs] },
  };
}
