import type { CheckGroup } from '../audit/group.js';
import { GuideSection } from '../audit/guide.js';
import type { GroupId } from '../audit/model.js';
import type { FindingMeta } from '../audit/runner.js';

/** Group → metadata of its checks, in catalogue order: what a failed group's `error` findings are made of. */
export type CheckCatalogue = Readonly<Partial<Record<GroupId, readonly FindingMeta[]>>>;

/** Check id of the single `error` finding that stands for a whole group whose checks are unknown. */
export function groupCheckId(group: string): string {
  return `${group}-group`;
}

/** The catalogue of some check groups (e.g. `GROUPS`), built from their checks' metadata. */
export function catalogueOf(groups: readonly CheckGroup<unknown>[]): CheckCatalogue {
  return Object.fromEntries(
    groups.map((g) => [
      g.id,
      g.checks.map(({ meta: { id, group, severity, title, guideSection } }) => ({
        id,
        group,
        severity,
        title,
        guideSection,
      })),
    ]),
  );
}

const entries = (group: GroupId, checks: ReadonlyArray<Omit<FindingMeta, 'group'>>): readonly FindingMeta[] =>
  checks.map((c) => ({ ...c, group }));

/**
 * Metadata of every check, without the check code: lets the aggregate Lambda expand a failed group
 * without bundling the collectors and their clients. Kept equal to `catalogueOf(GROUPS)` by a test.
 */
export const CATALOGUE: CheckCatalogue = {
  infra: entries('infra', [
    {
      id: 'eks-cluster-active',
      severity: 'critical',
      title: 'EKS cluster is active',
      guideSection: GuideSection.AwsDebugging,
    },
    {
      id: 'eks-access-entries-enabled',
      severity: 'medium',
      title: 'EKS access entries are enabled',
      guideSection: GuideSection.AwsDebugging,
    },
    {
      id: 'nodegroup-health',
      severity: 'high',
      title: 'Node group is healthy',
      guideSection: GuideSection.PodsPending,
    },
    {
      id: 'nodegroup-capacity',
      severity: 'high',
      title: 'Node group can scale up',
      guideSection: GuideSection.PodsPending,
    },
    {
      id: 'aurora-cluster-available',
      severity: 'critical',
      title: 'Aurora cluster is available',
      guideSection: GuideSection.DatabaseConnection,
    },
    {
      id: 'aurora-recent-events',
      severity: 'high',
      title: 'No recent Aurora failover, failure or notification',
      guideSection: GuideSection.DatabaseConnection,
    },
    {
      id: 'db-sg-allows-nodes',
      severity: 'high',
      title: 'Nodes can reach the database port',
      guideSection: GuideSection.DatabaseConnection,
    },
    {
      id: 'db-sg-open-to-world',
      severity: 'critical',
      title: 'Database port is not open to the internet',
      guideSection: GuideSection.DatabaseConnection,
    },
    {
      id: 'vpc-endpoints-available',
      severity: 'high',
      title: 'Required VPC endpoint is available',
      guideSection: GuideSection.NetworkDebugging,
    },
    {
      id: 'nlb-targets-healthy',
      severity: 'critical',
      title: 'NLB targets are healthy',
      guideSection: GuideSection.NlbHealth,
    },
    {
      id: 'nlb-health-check-config',
      severity: 'high',
      title: 'NLB health check targets coderd readiness',
      guideSection: GuideSection.NlbHealth,
    },
    {
      id: 'ec2-vcpu-quota',
      severity: 'high',
      title: 'vCPU quota covers node group maximums',
      guideSection: GuideSection.ScaleTesting,
    },
  ]),
  cluster: entries('cluster', [
    {
      id: 'pods-pending',
      severity: 'high',
      title: 'Workspace pods are not stuck in Pending',
      guideSection: GuideSection.PodsPending,
    },
    {
      id: 'nodegroup-taints-tolerated',
      severity: 'high',
      title: 'Workspace pods tolerate the taints of the node groups they target',
      guideSection: GuideSection.PodsPending,
    },
    {
      id: 'coderd-ready',
      severity: 'critical',
      title: 'coderd pods are ready and stable',
      guideSection: GuideSection.NlbHealth,
    },
    {
      id: 'provisioners-ready',
      severity: 'high',
      title: 'External provisioners are running and ready',
      guideSection: GuideSection.ProvisioningTimeouts,
    },
    {
      id: 'pods-config-errors',
      severity: 'high',
      title: 'No pod is blocked by a missing secret or an image pull failure',
      guideSection: GuideSection.DatabaseConnection,
    },
    {
      id: 'oidc-config',
      severity: 'high',
      title: 'coderd OIDC configuration is complete',
      guideSection: GuideSection.Oidc,
    },
    {
      id: 'log-error-patterns',
      severity: 'medium',
      title: 'No runbook error patterns in coderd and provisioner logs',
      guideSection: GuideSection.LogPatterns,
    },
  ]),
  database: entries('database', [
    {
      id: 'db-connectivity',
      severity: 'critical',
      title: 'Database accepts connections',
      guideSection: GuideSection.DatabaseConnection,
    },
    {
      id: 'db-connections-usage',
      severity: 'high',
      title: 'Database connection slots are not exhausted',
      guideSection: GuideSection.DatabaseDebugging,
    },
    {
      id: 'db-long-running-queries',
      severity: 'medium',
      title: 'No long-running queries',
      guideSection: GuideSection.DatabaseDebugging,
    },
    {
      id: 'db-idle-in-transaction',
      severity: 'medium',
      title: 'No sessions idle in transaction',
      guideSection: GuideSection.DatabaseDebugging,
    },
    {
      id: 'db-size',
      severity: 'low',
      title: 'Database size within budget',
      guideSection: GuideSection.DatabaseDebugging,
    },
  ]),
  coder: entries('coder', [
    {
      id: 'coder-healthz',
      severity: 'critical',
      title: 'Coder answers /healthz through its access URL',
      guideSection: GuideSection.NlbHealth,
    },
    {
      id: 'coder-version',
      severity: 'info',
      title: 'Coder server version',
      guideSection: GuideSection.CoderLogs,
    },
    {
      id: 'coder-health-report',
      severity: 'high',
      title: "coderd's deployment health report is clean",
      guideSection: GuideSection.KubernetesDebugging,
    },
    {
      id: 'provisioner-key-age',
      severity: 'high',
      title: 'Provisioner keys are rotated',
      guideSection: GuideSection.ProvisioningTimeouts,
    },
    {
      id: 'provisioner-daemons',
      severity: 'high',
      title: 'Provisioner daemons are online and match coderd',
      guideSection: GuideSection.ProvisioningTimeouts,
    },
    {
      id: 'templates-available',
      severity: 'medium',
      title: 'Expected templates are available to users',
      guideSection: GuideSection.TemplateNotAppearing,
    },
    {
      id: 'oidc-discovery',
      severity: 'high',
      title: 'OIDC issuer discovery is consistent',
      guideSection: GuideSection.Oidc,
    },
    {
      id: 'auditor-token-expiry',
      severity: 'medium',
      title: "The auditor's Coder token is valid",
      guideSection: GuideSection.LogPatterns,
    },
    {
      id: 'coder-token-role',
      severity: 'medium',
      title: "The auditor's Coder token can read every check's facts",
      guideSection: GuideSection.LogPatterns,
    },
  ]),
};
