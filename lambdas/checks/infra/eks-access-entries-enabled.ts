import { defineCheck } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { GuideSection } from '../../audit/guide.js';
import { shq } from '../../audit/model.js';
import type { InfraSnapshot } from './collector.js';

const ACCESS_ENTRY_MODES = ['API', 'API_AND_CONFIG_MAP'];

/** Compliant when the cluster's authentication mode allows EKS access entries (API or API_AND_CONFIG_MAP). */
export default defineCheck<InfraSnapshot>(
  {
    id: 'eks-access-entries-enabled',
    group: 'infra',
    severity: 'medium',
    title: 'EKS access entries are enabled',
    description:
      'Reports a cluster whose authentication mode is CONFIG_MAP only, so access entries cannot be used.',
    risk:
      'The auditor (and other automation) reads the Kubernetes API through an EKS access entry; with the ' +
      'aws-auth ConfigMap only, the cluster checks cannot run and access depends on a hand-edited ConfigMap.',
    guideSection: GuideSection.AwsDebugging,
  },
  (snap, { deployment }) => {
    const name = deployment.eks.clusterName;
    const cluster = need(snap.cluster);
    if (!cluster) {
      return [
        {
          status: 'error',
          resource: name,
          detail: `EKS cluster ${name} does not exist (see eks-cluster-active).`,
        },
      ];
    }
    const mode = cluster.accessConfig?.authenticationMode ?? 'CONFIG_MAP';
    if (ACCESS_ENTRY_MODES.includes(mode)) {
      return [
        {
          status: 'pass',
          resource: name,
          detail: `Authentication mode ${mode} allows access entries.`,
          evidence: { authenticationMode: mode },
        },
      ];
    }
    return [
      {
        status: 'fail',
        resource: name,
        detail: `Authentication mode is ${mode}: EKS access entries are disabled.`,
        evidence: { authenticationMode: mode },
        remediation: {
          text: 'Enable access entries while keeping the aws-auth ConfigMap working (the change cannot be reverted).',
          commands: [
            `aws eks update-cluster-config --name ${shq(name)} --access-config authenticationMode=API_AND_CONFIG_MAP`,
          ],
        },
      },
    ];
  },
);
