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
    const logs = `kubectl logs -n ${shq(ns)} -l app.kubernetes.io/name=coder-provisioner --tail=-1 --prefix`;
    const all = podsIn(snap.pods, ns);
    // Failed (e.g. evicted) and Succeeded pods linger until deleted: they are not provisioners that run.
    const pods = all.filter((p) => !['Succeeded', 'Failed'].includes(p.status?.phase ?? ''));
    const gone = all.filter((p) => p.status?.phase === 'Failed');
    if (pods.length === 0) {
      const failedNote = gone.length ? ` (${gone.length} Failed: ${gone.map(podName).join(', ')})` : '';
      return [
        {
          status: 'fail',
          resource: `k8s:${ns}/pods`,
          detail: `No provisioner pod runs in namespace ${ns}${failedNote}.`,
          remediation: {
            text: 'Deploy (or scale up) the coder-provisioner Helm release.',
            commands: [`kubectl get deploy,pods -n ${shq(ns)}`, `helm list -n ${shq(ns)}`],
          },
        },
      ];
    }
    const lingering = gone.map((pod): FindingInput => {
      const reason = pod.status?.reason ?? 'Failed';
      return {
        status: 'fail',
        severity: 'low',
        resource: podRef(pod),
        detail: `Provisioner pod ${podName(pod)} is Failed (${reason}) and lingers; running replacements exist.`,
        evidence: { phase: 'Failed', reason, message: (pod.status?.message ?? '').slice(0, 200) },
        remediation: {
          text: 'Read why it failed (an eviction names the node pressure), then delete the leftover pod.',
          commands: [
            `kubectl describe pod ${shq(podName(pod))} -n ${shq(ns)}`,
            `kubectl delete pod ${shq(podName(pod))} -n ${shq(ns)}`,
          ],
        },
      };
    });
    const live = pods.map((pod): FindingInput => {
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
    return [...live, ...lingering];
  },
);
