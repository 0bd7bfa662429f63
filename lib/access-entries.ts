import { CfnAccessEntry } from 'aws-cdk-lib/aws-eks';
import type { Construct } from 'constructs';
import type { DeploymentConfig } from '../lambdas/audit/config.js';

const EKS_VIEW_POLICY = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy';

/**
 * The Kubernetes group every access entry of the auditor carries. Access policies cannot grant one named
 * object, so cluster-dns reads the DNS deployment (kube-system/coredns by default) through an in-cluster Role
 * (`get` on that deployment by name only) bound to this group: the README gives the two objects to apply.
 * Without the binding, cluster-dns reports an error naming it, never a pass.
 */
export const AUDITOR_KUBERNETES_GROUP = 'coder-auditor';

/**
 * The access entries of one principal: one per cluster (CloudFormation refuses a second entry for the same
 * cluster and principal, cfn-lint E3019), viewing the union of the Coder namespaces of every deployment on it.
 */
export function accessEntryPlan(
  deployments: readonly DeploymentConfig[],
): Array<{ cluster: string; namespaces: string[] }> {
  const byCluster = new Map<string, Set<string>>();
  for (const d of deployments) {
    const ns = byCluster.get(d.eks.clusterName) ?? new Set<string>();
    for (const n of [d.namespaces.coderd, d.namespaces.provisioner, d.namespaces.workspaces]) ns.add(n);
    byCluster.set(d.eks.clusterName, ns);
  }
  return [...byCluster].map(([cluster, ns]) => ({ cluster, namespaces: [...ns].sort() }));
}

/** Create the planned access entries of `principalArn` (AmazonEKSViewPolicy on the namespaces only). */
export function addAccessEntries(
  scope: Construct,
  principalArn: string,
  deployments: readonly DeploymentConfig[],
): CfnAccessEntry[] {
  return accessEntryPlan(deployments).map(
    ({ cluster, namespaces }) =>
      new CfnAccessEntry(scope, `AccessEntry-${cluster}`, {
        clusterName: cluster,
        principalArn,
        type: 'STANDARD',
        kubernetesGroups: [AUDITOR_KUBERNETES_GROUP],
        accessPolicies: [{ policyArn: EKS_VIEW_POLICY, accessScope: { type: 'namespace', namespaces } }],
      }),
  );
}
