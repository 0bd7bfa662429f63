import type { Finding, Severity } from '../../lambdas/audit/model.js';
import type { AuditReport } from '../../lambdas/audit/runner.js';
import { UsageError } from '../../lambdas/audit/errors.js';
import {
  bounded,
  causeOf,
  findingUid,
  fixText,
  partitionOf,
  reasonOf,
  resourceKind,
  runbookLink,
  type FormatContext,
} from './context.js';

/**
 * AWS Security Finding Format (ASFF, schema 2018-10-08): a JSON array of `AwsSecurityFinding` objects, as
 * `aws securityhub batch-import-findings --findings file://findings.json` takes them (at most 100 per call:
 * split larger files). Findings are imported as the account's own custom integration
 * (`product/<account>/default`). Every finding is exported, passes included, so that a re-import updates
 * what was fixed: a failing finding is Compliance FAILED, a pass PASSED (record ARCHIVED), a check that could
 * not run NOT_AVAILABLE, a muted finding Workflow SUPPRESSED. Length limits are those of the Security Hub
 * API reference (AwsSecurityFinding): Title 256, Description 1024, Recommendation.Text 512 characters.
 * The reason a failure reports goes to `ProductFields` (`coder-audit/Reason`, `coder-audit/ReasonMessage`),
 * ASFF's place for what a product adds: `Types` is a fixed taxonomy, and `GeneratorId` stays the check.
 */

export const ASFF_SCHEMA_VERSION = '2018-10-08';

const LABEL: Record<Severity, string> = {
  info: 'INFORMATIONAL',
  low: 'LOW',
  medium: 'MEDIUM',
  high: 'HIGH',
  critical: 'CRITICAL',
};

/** The custom-integration product ARN of an account (findings a customer imports for itself). */
export function productArn(region: string, account: string): string {
  return `arn:${partitionOf(region)}:securityhub:${region}:${account}:product/${account}/default`;
}

function compliance(f: Finding): string {
  return f.status === 'pass' ? 'PASSED' : f.status === 'error' ? 'NOT_AVAILABLE' : 'FAILED';
}

function finding(
  r: AuditReport,
  f: Finding,
  ctx: FormatContext,
  aws: { region: string; account: string },
): Record<string, unknown> {
  const product = productArn(aws.region, aws.account);
  const kind = resourceKind(f.resource, aws);
  const cause = causeOf(r, f);
  const reason = reasonOf(ctx, f);
  const link = runbookLink(ctx, f.guideSection);
  const description =
    f.status === 'error'
      ? `The check could not run on ${f.resource}: ${f.detail}`
      : `${f.resource}: ${f.detail}`;
  return {
    SchemaVersion: ASFF_SCHEMA_VERSION,
    Id: bounded(`coder-audit/${findingUid(r, f)}`, 512),
    ProductArn: product,
    ProductName: 'coder-audit',
    CompanyName: 'coder-auditor',
    Region: aws.region,
    GeneratorId: `coder-audit/${f.checkId}`,
    AwsAccountId: aws.account,
    Types: ['Software and Configuration Checks/Coder Runbook'],
    FirstObservedAt: r.startedAt,
    LastObservedAt: r.startedAt,
    CreatedAt: r.startedAt,
    UpdatedAt: r.finishedAt,
    Severity: { Label: f.status === 'pass' ? 'INFORMATIONAL' : LABEL[f.severity], Original: f.severity },
    Title: bounded(`${f.title} (${r.deployment})`, 256),
    Description: bounded(description, 1024),
    ...(f.remediation
      ? {
          Remediation: {
            Recommendation: { Text: bounded(fixText(f), 512), ...(link ? { Url: link } : {}) },
          },
        }
      : {}),
    ...(link ? { SourceUrl: link } : {}),
    ProductFields: {
      'coder-audit/Deployment': r.deployment,
      'coder-audit/CheckId': f.checkId,
      'coder-audit/Group': f.group,
      'coder-audit/Status': f.status,
      'coder-audit/RunbookSection': f.guideSection,
      ...(reason ? { 'coder-audit/Reason': reason.code } : {}),
      ...(reason?.message ? { 'coder-audit/ReasonMessage': bounded(reason.message, 2048) } : {}),
      ...(f.severityOverride ? { 'coder-audit/SeverityOverriddenFrom': f.severityOverride.from } : {}),
      ...(f.muted
        ? {
            'coder-audit/Muted': bounded(
              `until ${f.muted.until}, by ${f.muted.by}, because ${f.muted.because}`,
              2048,
            ),
          }
        : {}),
    },
    Resources: [
      {
        Type: kind.asff,
        Id: kind.id,
        Partition: partitionOf(aws.region),
        Region: aws.region,
      },
    ],
    Compliance: { Status: compliance(f) },
    Workflow: { Status: f.muted ? 'SUPPRESSED' : 'NEW' },
    RecordState: f.status === 'pass' ? 'ARCHIVED' : 'ACTIVE',
    ...(cause
      ? { RelatedFindings: [{ ProductArn: product, Id: `coder-audit/${findingUid(r, cause)}` }] }
      : {}),
  };
}

/**
 * The reports as a JSON array of ASFF findings. Throws a UsageError when a deployment's AWS account is
 * unknown (no aws.roleArn and no ARN among its findings): Security Hub needs it.
 */
export function toAsff(reports: readonly AuditReport[], ctx: FormatContext): string {
  const out: Array<Record<string, unknown>> = [];
  for (const r of reports) {
    const aws = ctx.aws?.[r.deployment];
    if (!aws?.account) {
      throw new UsageError(
        `ASFF needs the AWS account of deployment ${r.deployment}: set aws.roleArn, or audit with AWS ` +
          'credentials that let the infra checks read its resources (their ARNs name the account).',
      );
    }
    for (const f of r.findings) out.push(finding(r, f, ctx, { region: aws.region, account: aws.account }));
  }
  return JSON.stringify(out, null, 2) + '\n';
}
