import { z } from 'zod';
import { accessEntryPlan, viewEntry, type AccessEntry } from '../../lambdas/audit/access-entries.js';
import { parseConfig } from '../../lambdas/audit/config.js';
import type { SimIam, SimPrincipal } from '../aws/iam.js';
import { parseAwsState } from '../aws/model.js';
import { baseSimDeployment } from '../deployment.js';
import { deepMerge, type Scenario } from '../scenario.js';

/**
 * EKS access entries and access policies, as the API server of a cluster in `API` authentication mode
 * applies them (Amazon EKS User Guide, awsdocs/amazon-eks-user-guide, latest/ug/manage-access/k8s-access/:
 * access-entries.adoc, creating-access-entries.adoc, set-custom-username.adoc, access-policy-reference.adoc):
 * - Authentication: a valid token whose IAM principal (the user, or the role behind an
 *   `arn:aws:sts::<account>:assumed-role/<role>/<session>` session) has no access entry on the cluster is
 *   refused with 401 Unauthorized.
 * - The Kubernetes username EKS generates: the user's ARN for an IAM user; for a role, the STS ARN of the
 *   session, `arn:aws:sts::<account>:assumed-role/<role>/{{SessionName}}` (a role path removed).
 * - Authorisation: the rules of the entry's associated access policies, each within its access scope:
 *   `cluster` (every namespace and the cluster-scoped resources), or `namespace` with a list of namespaces
 *   (a trailing `*` matches a prefix); nothing else is allowed (403 Forbidden).
 */

/** One allow rule of an access policy: API group, resources, verbs (`*` for all). */
interface Rule {
  groups: readonly string[];
  resources: readonly string[];
  verbs: readonly string[];
}
const READ = ['get', 'list', 'watch'] as const;
const rule = (groups: string[], resources: string[], verbs: readonly string[] = READ): Rule => ({
  groups,
  resources,
  verbs,
});

/** The rules of the access policies the twin knows (access-policy-reference.adoc); others grant nothing. */
export const ACCESS_POLICY_RULES: Readonly<Record<string, readonly Rule[]>> = {
  'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy': [
    rule(
      ['apps'],
      [
        'controllerrevisions',
        'daemonsets',
        'daemonsets/status',
        'deployments',
        'deployments/scale',
        'deployments/status',
        'replicasets',
        'replicasets/scale',
        'replicasets/status',
        'statefulsets',
        'statefulsets/scale',
        'statefulsets/status',
      ],
    ),
    rule(['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
    rule(['batch'], ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status']),
    rule(['discovery.k8s.io'], ['endpointslices']),
    rule(
      ['extensions'],
      [
        'daemonsets',
        'daemonsets/status',
        'deployments',
        'deployments/scale',
        'deployments/status',
        'ingresses',
        'ingresses/status',
        'networkpolicies',
        'replicasets',
        'replicasets/scale',
        'replicasets/status',
        'replicationcontrollers/scale',
      ],
    ),
    rule(['networking.k8s.io'], ['ingresses', 'ingresses/status', 'networkpolicies']),
    rule(['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
    rule(
      [''],
      [
        'configmaps',
        'endpoints',
        'persistentvolumeclaims',
        'persistentvolumeclaims/status',
        'pods',
        'replicationcontrollers',
        'replicationcontrollers/scale',
        'serviceaccounts',
        'services',
        'services/status',
        'bindings',
        'events',
        'limitranges',
        'namespaces/status',
        'pods/log',
        'pods/status',
        'replicationcontrollers/status',
        'resourcequotas',
        'resourcequotas/status',
        'namespaces',
      ],
    ),
  ],
  'arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminViewPolicy': [rule(['*'], ['*'])],
  'arn:aws:eks::aws:cluster-access-policy/AmazonEKSSecretReaderPolicy': [rule([''], ['secrets'])],
  'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy': [rule(['*'], ['*'], ['*'])],
};

const principalArn = z
  .string()
  .regex(/^arn:aws:iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/, 'must be an IAM role or user ARN');
const AccessScopeSchema = z.union([
  z.object({ type: z.literal('cluster') }).strict(),
  z
    .object({
      type: z.literal('namespace'),
      namespaces: z.array(z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\*?$/)).min(1),
    })
    .strict(),
]);
/** `kubernetes.accessEntries` of a scenario: the cluster's entries, in CloudFormation's shape. */
export const AccessEntriesSchema = z
  .array(
    z
      .object({
        principalArn,
        kubernetesGroups: z.array(z.string().min(1)).optional(),
        accessPolicies: z
          .array(z.object({ policyArn: z.string(), accessScope: AccessScopeSchema }).strict())
          .default([]),
      })
      .strict(),
  )
  .refine((entries) => new Set(entries.map((e) => e.principalArn)).size === entries.length, {
    message: 'an IAM principal can be in one access entry only',
  });

/** What a request asks, as the API server's authorizer sees it. */
export interface AccessRequest {
  verb: string;
  resource: string;
  group: string;
  /** Absent for a cluster-scoped request. */
  namespace?: string;
}

/** The IAM principal of a verified token: the ARN its access entry names, and its Kubernetes username. */
export function eksIdentity(p: SimPrincipal): { principalArn: string; username: string } {
  // A role session authenticates as its role (the role ARN, with its path, names the entry); its username
  // is the session's STS ARN. An IAM user is its own ARN in both.
  return { principalArn: p.roleArn ?? p.identity.Arn, username: p.identity.Arn };
}

const inScope = (scope: AccessEntry['accessPolicies'][number]['accessScope'], ns?: string): boolean =>
  scope.type === 'cluster' ||
  (ns !== undefined &&
    scope.namespaces.some((n) => (n.endsWith('*') ? ns.startsWith(n.slice(0, -1)) : n === ns)));

const covers = (r: Rule, req: AccessRequest): boolean =>
  (r.groups.includes('*') || r.groups.includes(req.group)) &&
  (r.resources.includes('*') || r.resources.includes(req.resource)) &&
  (r.verbs.includes('*') || r.verbs.includes(req.verb));

/** Whether the entry's access policies allow the request within their scopes. */
export function allows(entry: AccessEntry, req: AccessRequest): boolean {
  return entry.accessPolicies.some(
    (a) =>
      inScope(a.accessScope, req.namespace) &&
      (ACCESS_POLICY_RULES[a.policyArn] ?? []).some((r) => covers(r, req)),
  );
}

/**
 * The access entries of the twin's cluster: the scenario's `kubernetes.accessEntries`, else those the
 * auditor's stacks create for the simulated deployment, derived as the CDK derives them
 * (`accessEntryPlan`): the sim's principal in its own account (the IAM user of its key pair, in place of
 * the cluster function's role) and, in every other account of the scenario, each role there (the read-only
 * role `CoderAuditorTarget` creates with its entry), each with AmazonEKSViewPolicy on the deployment's
 * namespaces.
 */
export function clusterAccessEntries(
  scenario: Scenario,
  iam: Pick<SimIam, 'userArn'>,
  explicit: readonly AccessEntry[] | undefined,
): AccessEntry[] {
  if (explicit) return [...explicit];
  const deployment = parseConfig(
    deepMerge(baseSimDeployment(), scenario.deployment),
    `simulated deployment (scenario ${scenario.name})`,
  ).deployments[0]!;
  const [plan] = accessEntryPlan([deployment]);
  const roles = Object.entries(scenario.accounts).flatMap(([account, other]) =>
    Object.keys(
      parseAwsState(deepMerge(scenario.aws, other.aws), `${scenario.name} (account ${account})`).iam.roles,
    ).map((name) => `arn:aws:iam::${account}:role/${name}`),
  );
  return [iam.userArn, ...roles].map((arn) => viewEntry(arn, plan!.namespaces));
}
