import { defineCheck } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { shq } from '../../audit/model.js';
import type { InfraSnapshot } from './collector.js';
import { INFRA_META } from './meta.js';

/** Compliant when the EKS cluster exists and its status is ACTIVE. */
export default defineCheck<InfraSnapshot>(INFRA_META['eks-cluster-active'], (snap, { deployment }) => {
  const name = deployment.eks.clusterName;
  const cluster = need(snap.cluster);
  const remediation = {
    text: 'Inspect the cluster status and its health issues.',
    commands: [`aws eks describe-cluster --name ${shq(name)}`],
  };
  if (!cluster) {
    return [
      {
        status: 'fail',
        reason: 'missing',
        resource: name,
        detail: `EKS cluster ${name} does not exist in ${deployment.aws.region}.`,
        evidence: { cluster: name, region: deployment.aws.region },
        remediation,
      },
    ];
  }
  const status = cluster.status ?? 'UNKNOWN';
  const issues = (cluster.health?.issues ?? []).map((i) => `${i.code}: ${i.message}`);
  const evidence = { status, version: cluster.version, ...(issues.length ? { issues } : {}) };
  if (status === 'ACTIVE') {
    return [{ status: 'pass', resource: name, detail: `EKS cluster ${name} is ACTIVE.`, evidence }];
  }
  return [
    {
      status: 'fail',
      reason: status === 'UPDATING' ? 'updating' : 'not-active',
      resource: name,
      detail: `EKS cluster ${name} is ${status}, not ACTIVE.${issues.length ? ` Issues: ${issues.join('; ')}` : ''}`,
      evidence,
      remediation,
    },
  ];
});
