import type { DeploymentConfig } from './config.js';

/** The EKS access policy the auditor's principals get: read-only, no secrets, no nodes. */
export const EKS_VIEW_POLICY = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy';

/**
 * The Kubernetes group every access entry of the auditor carries, for what no access policy grants: an
 * in-cluster Role lets cluster-dns get the DNS deployment (kube-system/coredns by default) by name only, and
 * another lets coderd-resources list the coderd pods' metrics (metrics.k8s.io). The README gives the
 * objects to apply; without them those checks report an error naming the binding, never a pass.
 */
export const AUDITOR_KUBERNETES_GROUP = 'coder-auditor';

/** The scope of an access policy association (`AWS::EKS::AccessEntry` `AccessScope`). */
export type AccessScope = { type: 'cluster' } | { type: 'namespace'; namespaces: string[] };

/** An EKS access entry as CloudFormation writes it (`AWS::EKS::AccessEntry`), STANDARD type. */
export interface AccessEntry {
  principalArn: string;
  /** Kubernetes groups the principal gets (subjects of in-cluster RoleBindings). */
  kubernetesGroups?: string[];
  accessPolicies: Array<{ policyArn: string; accessScope: AccessScope }>;
}

/**
 * The access entries of one principal: one per cluster (CloudFormation refuses a second entry for the same
 * cluster and principal, cfn-lint E3019), viewing the union of the Coder namespaces of every deployment on
 * it. Pure: the CDK (lib/access-entries.ts) and the Kubernetes twin's defaults (sim/kube/access.ts) both
 * derive their entries from it.
 */
export function accessEntryPlan(
  deployments: ReadonlyArray<Pick<DeploymentConfig, 'eks' | 'namespaces'>>,
): Array<{ cluster: string; namespaces: string[] }> {
  const byCluster = new Map<string, Set<string>>();
  for (const d of deployments) {
    const ns = byCluster.get(d.eks.clusterName) ?? new Set<string>();
    for (const n of [d.namespaces.coderd, d.namespaces.provisioner, d.namespaces.workspaces]) ns.add(n);
    byCluster.set(d.eks.clusterName, ns);
  }
  return [...byCluster].map(([cluster, ns]) => ({ cluster, namespaces: [...ns].sort() }));
}

/**
 * The entry of `principalArn` for one planned cluster: AmazonEKSViewPolicy on the namespaces only, and the
 * auditor's Kubernetes group (its DNS Role).
 */
export function viewEntry(principalArn: string, namespaces: readonly string[]): AccessEntry {
  return {
    principalArn,
    kubernetesGroups: [AUDITOR_KUBERNETES_GROUP],
    accessPolicies: [
      { policyArn: EKS_VIEW_POLICY, accessScope: { type: 'namespace', namespaces: [...namespaces] } },
    ],
  };
}
