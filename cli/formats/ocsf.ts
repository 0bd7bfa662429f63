import type { Finding, Severity } from '../../lambdas/audit/model.js';
import type { AuditReport } from '../../lambdas/audit/runner.js';
import {
  SEVERITY_ID,
  causeOf,
  findingUid,
  fixText,
  metaOf,
  partitionOf,
  problemsOf,
  reasonOf,
  resourceKind,
  runbookLink,
  type FormatContext,
} from './context.js';

/**
 * OCSF 1.5.0 Detection Finding events (class 2004, category 2 Findings), one per failing or erroring
 * finding, as a JSON array. Muted findings have status Suppressed; a check that could not run is a finding
 * of its own (status New, `status_detail` says so), never silence. The `cloud` profile is applied (the
 * deployment's AWS region and account). The reason a failure reports is one of its `finding_info.types`, as
 * `<check>/<reason>` (the check itself is the `analytic`). Field choices follow the class and object definitions of the OCSF
 * schema (github.com/ocsf/ocsf-schema, events/findings/detection_finding.json and objects/).
 */

export const OCSF_VERSION = '1.5.0';

const SEVERITY_NAME: Record<Severity, string> = {
  info: 'Informational',
  low: 'Low',
  medium: 'Medium',
  high: 'High',
  critical: 'Critical',
};

function event(r: AuditReport, f: Finding, ctx: FormatContext): Record<string, unknown> {
  const meta = metaOf(ctx, f);
  const aws = ctx.aws?.[r.deployment];
  const kind = resourceKind(f.resource, aws);
  const time = Date.parse(r.startedAt);
  const cause = causeOf(r, f);
  const reason = reasonOf(ctx, f);
  const link = runbookLink(ctx, f.guideSection);
  const statusDetail = f.muted
    ? `muted until ${f.muted.until}, by ${f.muted.by}, because ${f.muted.because}`
    : f.status === 'error'
      ? `The check could not run: ${f.detail}`
      : undefined;
  return {
    activity_id: 1,
    activity_name: 'Create',
    category_uid: 2,
    category_name: 'Findings',
    class_uid: 2004,
    class_name: 'Detection Finding',
    type_uid: 200401,
    type_name: 'Detection Finding: Create',
    severity_id: SEVERITY_ID[f.severity],
    severity: SEVERITY_NAME[f.severity],
    status_id: f.muted ? 3 : 1,
    status: f.muted ? 'Suppressed' : 'New',
    ...(statusDetail ? { status_detail: statusDetail } : {}),
    is_alert: f.status === 'fail' && !f.muted,
    time,
    message: `${f.title}: ${f.resource}`,
    metadata: {
      version: OCSF_VERSION,
      product: { name: 'coder-audit', vendor_name: 'coder-auditor', version: ctx.version },
      profiles: ['cloud'],
      log_name: 'coder-audit',
    },
    finding_info: {
      uid: findingUid(r, f),
      title: f.title,
      desc: f.detail,
      types: [
        f.status === 'error' ? 'Check could not run' : 'Runbook check failed',
        f.group,
        ...(reason ? [reason.key] : []),
      ],
      analytic: {
        uid: meta.id,
        name: meta.title,
        desc: meta.description,
        category: meta.group,
        type_id: 1,
        type: 'Rule',
      },
      first_seen_time: time,
      last_seen_time: time,
      ...(link ? { src_url: link } : {}),
      ...(cause ? { related_events: [{ uid: findingUid(r, cause) }] } : {}),
    },
    resources: [
      {
        uid: kind.id,
        name: f.resource,
        type: kind.label,
        group: { name: r.deployment },
        ...(kind.namespace ? { namespace: kind.namespace } : {}),
        ...(aws ? { region: aws.region, cloud_partition: partitionOf(aws.region) } : {}),
      },
    ],
    ...(f.remediation
      ? {
          remediation: {
            desc: fixText(f),
            references: [link ?? `Runbook section: ${f.guideSection}`],
          },
        }
      : {}),
    cloud: {
      provider: 'AWS',
      ...(aws ? { region: aws.region } : {}),
      ...(aws?.account ? { account: { uid: aws.account, type_id: 10, type: 'AWS Account' } } : {}),
    },
    unmapped: {
      deployment: r.deployment,
      check_id: f.checkId,
      runbook_section: f.guideSection,
      evidence: f.evidence,
      ...(f.severityOverride ? { severity_override: f.severityOverride } : {}),
    },
  };
}

/** The reports as a JSON array of OCSF Detection Finding events. */
export function toOcsf(reports: readonly AuditReport[], ctx: FormatContext): string {
  const events = reports.flatMap((r) => problemsOf(r).map((f) => event(r, f, ctx)));
  return JSON.stringify(events, null, 2) + '\n';
}
