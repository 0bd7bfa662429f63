import type { DeploymentConfig } from '../../audit/config.js';
import { Component, shq, type Remediation } from '../../audit/model.js';
import { provisionerDiagnosis } from './lib.js';

/** A reason of provisioner-queue. */
export type QueueReason = 'tag-mismatch' | 'workers-offline' | 'saturated' | 'stalled';

/**
 * The fix for jobs that wait: a daemon serving the tags (the coder-provisioner chart's
 * `provisionerDaemon.tags`, or the tags of its provisioner key), more replicas, or the daemons' own
 * diagnosis. `tags` is one tag set (`k=v,k2=v2`), `replicas` the daemons the queue needs.
 */
export function queueRemediation(
  d: DeploymentConfig,
  reason: QueueReason,
  tags: string,
  replicas: number,
): Remediation {
  const org = shq(d.coder?.organization ?? 'coder');
  const ns = shq(d.namespaces.provisioner);
  const jobs = `coder provisioner jobs list --org ${org} --status pending`;
  const deployment = `kubectl get deployment -n ${ns} -l app.kubernetes.io/name=coder-provisioner -o wide`;
  if (reason === 'tag-mismatch') {
    const text =
      `No provisioner daemon serves the tags ${tags || '(none)'}: run daemons with those tags (a provisioner key ` +
      "created with them, or the coder-provisioner chart's provisionerDaemon.tags), or fix the template's " +
      'coder_workspace_tags.';
    const daemonTags = `kubectl get deployment -n ${ns} -l app.kubernetes.io/name=coder-provisioner -o jsonpath=${shq('{..env[?(@.name=="CODER_PROVISIONER_DAEMON_TAGS")].value}')}`;
    return {
      text,
      commands: [
        jobs,
        `coder provisioner list --org ${org}`,
        `coder provisioner keys list --org ${org}`,
        daemonTags,
      ],
      needs: [Component.CoderApi],
      otherwise: { text, commands: [daemonTags] },
    };
  }
  if (reason === 'saturated') {
    const text = `Every daemon serving these jobs is busy: raise the coder-provisioner replicaCount to at least ${replicas}.`;
    return { text, commands: [deployment, `helm list -n ${ns}`] };
  }
  return provisionerDiagnosis(d);
}
