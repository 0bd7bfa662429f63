import type { AggregatedAudit, GroupResult } from '../../lambdas/audit/aggregate.js';
import { aggregate } from '../../lambdas/audit/aggregate.js';
import { GuideSection } from '../../lambdas/audit/guide.js';
import { allMeta, metaOf } from '../../lambdas/checks/meta.js';
import {
  fingerprint,
  type Finding,
  type GroupId,
  type Severity,
  type Status,
} from '../../lambdas/audit/model.js';

/** Group of each check id, derived from the checks' metadata (lambdas/checks/<group>/meta.ts). */
export const CHECK_GROUPS: Record<string, GroupId> = Object.fromEntries(
  allMeta().map((m) => [m.id, m.group]),
);

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
      ? {
          // A failing finding names a declared reason of its check: the first, unless the test says which.
          ...(metaOf(checkId) ? { reason: Object.keys(metaOf(checkId)!.reasons)[0]! } : {}),
          remediation: { text: `Fix ${checkId}.`, commands: [`fix-${checkId} --resource ${resource}`] },
        }
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
