import { defineCheck, type FindingInput } from '../../audit/check.js';
import { AuditError } from '../../audit/errors.js';
import { need } from '../../audit/fact.js';
import { shq } from '../../audit/model.js';
import type { ClusterSnapshot } from './collector.js';
import { CLUSTER_META } from './meta.js';

/** Compliant when the cluster DNS deployment exists and all its desired replicas are available. */
export default defineCheck<ClusterSnapshot>(CLUSTER_META['cluster-dns'], (snap, { deployment: d }) => {
  const { namespace, name } = d.eks.dnsDeployment;
  const fact = snap.dnsDeployment;
  if (!fact.ok && /\b403\b|forbidden/i.test(fact.error)) {
    throw new AuditError(
      `the access entry cannot get deployment ${name} in ${namespace} (${fact.error}): bind the auditor's ` +
        'Kubernetes group to a Role granting get on that deployment (README, Kubernetes access entry)',
    );
  }
  const dep = need(fact);
  const resource = `k8s:${namespace}/deployment/${name}`;
  const ns = shq(namespace);
  const remediation = {
    text: 'Check the DNS pods and their events; on EKS, the CoreDNS add-on and the nodes it runs on.',
    commands: [
      `kubectl get deployment ${shq(name)} -n ${ns} -o wide`,
      `kubectl get pods -n ${ns} -l k8s-app=kube-dns -o wide`,
      `kubectl get events -n ${ns} --sort-by=.lastTimestamp`,
      `aws eks describe-addon --cluster-name ${shq(d.eks.clusterName)} --addon-name coredns`,
      `kubectl exec -it deploy/${shq(d.coderd.deploymentName)} -n ${shq(d.namespaces.coderd)} -- nslookup kubernetes.default`,
    ],
  };
  const scope = { namespace, workload: `deployment/${name}` };
  if (dep === null) {
    const detail = `Deployment ${namespace}/${name} does not exist: nothing answers cluster DNS queries (or eks.dnsDeployment names another).`;
    return [{ status: 'fail', reason: 'missing', resource, scope, detail, remediation }];
  }
  const desired = dep.spec?.replicas ?? 1;
  const available = dep.status?.availableReplicas ?? 0;
  const evidence = { desired, available, ready: dep.status?.readyReplicas ?? 0 };
  const result = (reason: 'unavailable' | 'degraded', detail: string): FindingInput => ({
    status: 'fail',
    reason,
    resource,
    scope,
    detail,
    evidence,
    remediation,
  });
  if (available === 0 && desired > 0)
    return [
      result('unavailable', `${namespace}/${name}: 0/${desired} replicas available: cluster DNS is down.`),
    ];
  if (available < desired)
    return [result('degraded', `${namespace}/${name}: ${available}/${desired} replicas available.`)];
  return [
    {
      status: 'pass',
      resource,
      detail: `${namespace}/${name}: ${available}/${desired} replicas available.`,
      evidence,
    },
  ];
});
