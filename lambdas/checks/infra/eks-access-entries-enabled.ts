import { defineCheck } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { shq } from '../../audit/model.js';
import type { InfraSnapshot } from './collector.js';
import { INFRA_META } from './meta.js';

const ACCESS_ENTRY_MODES = ['API', 'API_AND_CONFIG_MAP'];

/** Compliant when the cluster's authentication mode allows EKS access entries (API or API_AND_CONFIG_MAP). */
export default defineCheck<InfraSnapshot>(
  INFRA_META['eks-access-entries-enabled'],
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
        reason: 'config-map-only',
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
