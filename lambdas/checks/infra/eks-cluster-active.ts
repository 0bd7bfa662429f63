import { defineCheck } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { GuideSection } from '../../audit/guide.js';
import { shq } from '../../audit/model.js';
import type { InfraSnapshot } from './collector.js';

/** Compliant when the EKS cluster exists and its status is ACTIVE. */
export default defineCheck<InfraSnapshot>(
  {
    id: 'eks-cluster-active',
    group: 'infra',
    severity: 'critical',
    title: 'EKS cluster is active',
    description:
      'Reports an EKS cluster that does not exist or is not ACTIVE (UPDATING is reported at medium severity: ' +
      'the API keeps serving during an update).',
    risk: 'Without an active control plane nothing can be scheduled: coderd, provisioners and workspaces stop.',
    guideSection: GuideSection.AwsDebugging,
  },
  (snap, { deployment }) => {
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
        severity: status === 'UPDATING' ? 'medium' : 'critical',
        resource: name,
        detail: `EKS cluster ${name} is ${status}, not ACTIVE.${issues.length ? ` Issues: ${issues.join('; ')}` : ''}`,
        evidence,
        remediation,
      },
    ];
  },
);
