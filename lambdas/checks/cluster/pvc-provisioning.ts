import type { CoreV1Event } from '../../clients/kube-types.js';
import { defineCheck, type FindingInput } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { shq } from '../../audit/model.js';
import { redactLine } from '../../audit/redact.js';
import { quote } from '../../audit/untrusted.js';
import type { ClusterSnapshot } from './collector.js';
import { CLUSTER_META } from './meta.js';

type Reason = keyof (typeof CLUSTER_META)['pvc-provisioning']['reasons'];

/**
 * The volume failure an event reports: the external-provisioner's ProvisioningFailed (EC2 CreateVolume's
 * `VolumeLimitExceeded: You have exceeded your maximum <type> storage limit` is the EBS quota) and the
 * attach/detach controller's FailedAttachVolume.
 */
function volumeFailure(e: CoreV1Event): Reason | undefined {
  if (e.reason === 'FailedAttachVolume') return 'attach-failed';
  if (e.reason !== 'ProvisioningFailed') return undefined;
  return /VolumeLimitExceeded|storage limit|MaxIOPSLimitExceeded/i.test(e.message ?? '')
    ? 'ebs-quota'
    : 'provisioning-failed';
}

/** Compliant when no workspace volume failed to be provisioned or attached within the window. */
export default defineCheck<ClusterSnapshot>(
  CLUSTER_META['pvc-provisioning'],
  (snap, { deployment: d, now }) => {
    const ns = d.namespaces.workspaces;
    const since = now.getTime() - d.thresholds.logWindowMinutes * 60_000;
    const byReason = new Map<Reason, CoreV1Event[]>();
    for (const e of need(snap.volumeEvents)) {
      const reason = volumeFailure(e);
      const last = new Date(e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? 0).getTime();
      if (reason && last >= since) byReason.set(reason, [...(byReason.get(reason) ?? []), e]);
    }
    const resource = `k8s:${ns}/persistentvolumeclaims`;
    if (byReason.size === 0) {
      const detail = `No workspace volume failed to be created or attached in ${ns} in the last ${d.thresholds.logWindowMinutes} minutes.`;
      return [{ status: 'pass', resource, detail }];
    }
    return [...byReason].map(([reason, events]): FindingInput => {
      const objects = [...new Set(events.map((e) => `${e.involvedObject.kind}/${e.involvedObject.name}`))];
      const sample = redactLine(events[0]!.message ?? '', 240);
      const quota = reason === 'ebs-quota';
      return {
        status: 'fail',
        reason,
        resource,
        key: reason,
        scope: { namespace: ns, component: 'workspace' },
        detail: `${events.reduce((n, e) => n + (e.count ?? 1), 0)} ${events[0]!.reason} event(s) for ${objects.length} object(s) in ${ns}: ${quote(sample, 240)}`,
        evidence: { objects: objects.slice(0, 10), count: objects.length, sample },
        remediation: {
          text: quota
            ? 'Request a higher EBS storage quota for the volume type (Service Quotas, service ebs), or delete unused volumes.'
            : 'Read the events of the claims and the EBS CSI controller logs for the EC2 error.',
          commands: [
            `kubectl get events -n ${shq(ns)} --field-selector reason=${events[0]!.reason} --sort-by=.lastTimestamp`,
            `kubectl logs -n kube-system -l app=ebs-csi-controller -c ${reason === 'attach-failed' ? 'csi-attacher' : 'csi-provisioner'} --since=1h`,
            ...(quota
              ? [
                  'aws service-quotas list-service-quotas --service-code ebs --query "Quotas[?contains(QuotaName, \'Storage\')].[QuotaCode,QuotaName,Value]"',
                ]
              : []),
          ],
        },
      };
    });
  },
);
