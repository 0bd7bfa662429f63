import type { AggregatedAudit, GroupResult } from '../../lambdas/audit/aggregate.js';
import { aggregate } from '../../lambdas/audit/aggregate.js';
import { GuideSection } from '../../lambdas/audit/guide.js';
import {
  fingerprint,
  type Finding,
  type GroupId,
  type Severity,
  type Status,
} from '../../lambdas/audit/model.js';

/** Group of each check id used in the tests (the project's fixed catalogue). */
export const CHECK_GROUPS: Record<string, GroupId> = {
  'eks-cluster-active': 'infra',
  'eks-access-entries-enabled': 'infra',
  'nodegroup-health': 'infra',
  'nodegroup-capacity': 'infra',
  'aurora-cluster-available': 'infra',
  'aurora-recent-events': 'infra',
  'db-sg-allows-nodes': 'infra',
  'db-sg-open-to-world': 'infra',
  'vpc-endpoints-available': 'infra',
  'nlb-targets-healthy': 'infra',
  'nlb-health-check-config': 'infra',
  'ec2-vcpu-quota': 'infra',
  'pods-pending': 'cluster',
  'nodegroup-taints-tolerated': 'cluster',
  'coderd-ready': 'cluster',
  'provisioners-ready': 'cluster',
  'pods-config-errors': 'cluster',
  'oidc-config': 'cluster',
  'log-error-patterns': 'cluster',
  'db-connectivity': 'database',
  'db-connections-usage': 'database',
  'db-long-running-queries': 'database',
  'db-idle-in-transaction': 'database',
  'db-size': 'database',
  'coder-healthz': 'coder',
  'coder-version': 'coder',
  'coder-health-report': 'coder',
  'provisioner-key-age': 'coder',
  'provisioner-daemons': 'coder',
  'templates-available': 'coder',
  'oidc-discovery': 'coder',
  'auditor-token-expiry': 'coder',
  'coder-token-role': 'coder',
};

const SECTIONS: Record<GroupId, string> = {
  infra: GuideSection.DatabaseConnection,
  cluster: GuideSection.PodsPending,
  database: GuideSection.DatabaseDebugging,
  coder: GuideSection.NlbHealth,
};

/** A finding of a catalogue check, with overridable fields. */
export function finding(
  checkId: string,
  status: Status,
  over: Partial<Finding> & { severity?: Severity; key?: string } = {},
): Finding {
  const group = CHECK_GROUPS[checkId] ?? 'infra';
  const resource = over.resource ?? `res-${checkId}`;
  const { key, ...rest } = over;
  return {
    checkId,
    group,
    status,
    severity: status === 'pass' ? 'info' : 'high',
    resource,
    title: `Title of ${checkId}`,
    detail: `${checkId} is ${status} on ${resource}.`,
    evidence: { checked: resource },
    ...(status === 'fail'
      ? { remediation: { text: `Fix ${checkId}.`, commands: [`fix-${checkId} --resource ${resource}`] } }
      : {}),
    guideSection: SECTIONS[group],
    fingerprint: fingerprint(checkId, resource, key ?? ''),
    ...rest,
  };
}

/** An aggregated audit of deployment `prod` from findings (grouped by their group). */
export function audit(
  executionId: string,
  startedAt: string,
  findings: Finding[],
  errors: Partial<Record<GroupId, string>> = {},
  deployment = 'prod',
): AggregatedAudit {
  const groups: GroupId[] = ['infra', 'cluster', 'database', 'coder'];
  const results: GroupResult[] = groups.map((group) => ({
    deployment,
    group,
    findings: errors[group] !== undefined ? [] : findings.filter((f) => f.group === group),
    ms: 10,
    ...(errors[group] !== undefined ? { error: errors[group] } : {}),
  }));
  return aggregate({
    deployment,
    executionId,
    startedAt,
    finishedAt: new Date(Date.parse(startedAt) + 1000).toISOString(),
    results,
    // No catalogue: a failed group becomes one placeholder finding, whatever checks exist.
    catalogue: {},
  });
}
