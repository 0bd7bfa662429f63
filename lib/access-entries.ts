import { CfnAccessEntry } from 'aws-cdk-lib/aws-eks';
import type { Construct } from 'constructs';
import { accessEntryPlan, viewEntry } from '../lambdas/audit/access-entries.js';
import type { DeploymentConfig } from '../lambdas/audit/config.js';

export { accessEntryPlan };

/** Create the planned access entries of `principalArn` (AmazonEKSViewPolicy on the namespaces only). */
export function addAccessEntries(
  scope: Construct,
  principalArn: string,
  deployments: readonly DeploymentConfig[],
): CfnAccessEntry[] {
  return accessEntryPlan(deployments).map(({ cluster, namespaces }) => {
    const entry = viewEntry(principalArn, namespaces);
    return new CfnAccessEntry(scope, `AccessEntry-${cluster}`, {
      clusterName: cluster,
      principalArn: entry.principalArn,
      type: 'STANDARD',
      kubernetesGroups: entry.kubernetesGroups,
      accessPolicies: entry.accessPolicies,
    });
  });
}
