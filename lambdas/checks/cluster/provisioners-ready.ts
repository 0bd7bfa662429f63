import { defineCheck, type FindingInput } from '../../audit/check.js';
import { GuideSection } from '../../audit/guide.js';
import { shq } from '../../audit/model.js';
import type { ClusterSnapshot } from './collector.js';
import { isReady, podName, podRef, podsIn, statuses } from './pods.js';

/** Compliant when the provisioner namespace runs at least one provisioner pod and every one is Running and Ready. */
export default defineCheck<ClusterSnapshot>(
  {
    id: 'provisioners-ready',
    group: 'cluster',
    severity: 'high',
    title: 'External provisioners are running and ready',
    description: 'Checks that provisioner pods exist in the provisioner namespace and are Running and Ready.',
    risk: 'Without a ready provisioner, workspace builds queue until they time out.',
    guideSection: GuideSection.ProvisioningTimeouts,
  },
  (snap, { deployment }) => {
    const ns = deployment.namespaces.provisioner;
    const logs = `kubectl logs -n ${shq(ns)} -l app.kubernetes.io/name=coder-provisioner`;
    const pods = podsIn(snap.pods, ns).filter((p) => p.status?.phase !== 'Succeeded');
    if (pods.length === 0) {
      return [
        {
          status: 'fail',
          resource: `k8s:${ns}/pods`,
          detail: `No provisioner pod runs in namespace ${ns}.`,
          remediation: {
            text: 'Deploy (or scale up) the coder-provisioner Helm release.',
            commands: [`kubectl get deploy,pods -n ${shq(ns)}`, `helm list -n ${shq(ns)}`],
          },
        },
      ];
    }
    return pods.map((pod): FindingInput => {
      const name = podName(pod);
      const phase = pod.status?.phase ?? 'Unknown';
      const waiting = statuses(pod)
        .map((s) => s.state?.waiting?.reason)
        .filter(Boolean);
      const ok = phase === 'Running' && isReady(pod);
      return {
        status: ok ? 'pass' : 'fail',
        resource: podRef(pod),
        detail: ok
          ? `Provisioner pod ${name} is Running and Ready.`
          : `Provisioner pod ${name} is ${phase}${isReady(pod) ? '' : ', not Ready'}${waiting.length ? ` (${waiting.join(', ')})` : ''}.`,
        evidence: { phase, ready: isReady(pod), waiting },
        remediation: {
          text: 'Check the provisioner pod and its logs (an expired provisioner key also keeps it from connecting).',
          commands: [`kubectl describe pod ${shq(name)} -n ${shq(ns)}`, logs],
        },
      };
    });
  },
);
