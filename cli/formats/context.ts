import type { CheckMeta } from '../../lambdas/audit/check.js';
import { guideAnchor } from '../../lambdas/audit/guide.js';
import type { Finding, Severity } from '../../lambdas/audit/model.js';
import type { AuditReport } from '../../lambdas/audit/runner.js';

/** What the standard formats need besides the reports; every field is data, so the formats stay pure. */
export interface FormatContext {
  /** Metadata of every check (`allChecks().map((c) => c.meta)`): the rules of SARIF, the analytics of OCSF. */
  catalogue: readonly CheckMeta[];
  /** Version of coder-audit, for the tool/product fields. */
  version: string;
  /** Link to the runbook; section anchors are appended. Default: no links. */
  runbookUrl?: string;
  /** Deployment id → AWS region and account id (ASFF and OCSF need them; see `awsIdentity`). */
  aws?: Record<string, { region: string; account?: string }>;
  /**
   * SARIF only: the file results point at (code scanning needs a file), relative to the repository root,
   * and the line of each deployment in it. Default: no physical location.
   */
  artifact?: { uri: string; lines?: Record<string, number> };
}

/** A check's metadata, or a minimal one made from a finding whose check is not in the catalogue. */
export function metaOf(ctx: FormatContext, f: Finding): CheckMeta {
  return (
    ctx.catalogue.find((c) => c.id === f.checkId) ?? {
      id: f.checkId,
      group: f.group,
      severity: f.severity,
      title: f.title,
      description: f.title,
      risk: '',
      guideSection: f.guideSection as CheckMeta['guideSection'],
      reasons: {},
    }
  );
}

/** Link to a runbook section, when the runbook URL is known. */
export function runbookLink(ctx: FormatContext, section: string): string | undefined {
  return ctx.runbookUrl ? `${ctx.runbookUrl}${guideAnchor(section)}` : undefined;
}

/** Findings worth exporting: failing and erroring ones, muted included (they are marked). */
export function problemsOf(r: AuditReport): Finding[] {
  return r.findings.filter((f) => f.status !== 'pass');
}

/**
 * The reason a failing finding reports, with its message from the check's metadata: `<check>/<reason>` is the
 * kind of failure (what the causal graph and the scenario expectations name), the check id alone is the rule.
 */
export function reasonOf(
  ctx: FormatContext,
  f: Finding,
): { code: string; key: string; message?: string } | undefined {
  if (f.reason === undefined) return undefined;
  const message = metaOf(ctx, f).reasons[f.reason]?.message;
  return { code: f.reason, key: `${f.checkId}/${f.reason}`, ...(message ? { message } : {}) };
}

/** The finding whose fingerprint `f.rootCause` names, in the same report. */
export function causeOf(r: AuditReport, f: Finding): Finding | undefined {
  return f.rootCause ? r.findings.find((x) => x.fingerprint === f.rootCause) : undefined;
}

/** Globally unique id of a finding: fingerprints are per deployment. */
export function findingUid(r: AuditReport, f: Finding): string {
  return `${r.deployment}/${f.fingerprint}`;
}

/** Remediation as plain text: the prose, then the commands. */
export function fixText(f: Finding): string {
  if (!f.remediation) return '';
  return [f.remediation.text, ...f.remediation.commands.map((c) => `$ ${c}`)].join('\n');
}

/** Cut text to `max` characters (an ellipsis marks the cut). */
export function bounded(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A 12-digit AWS account id found in an ARN. */
const ARN_ACCOUNT = /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):/;

/**
 * The AWS account of a deployment: from its role ARN if it has one, else from the ARNs in its findings
 * (the infra checks report ARNs). Undefined when neither tells.
 */
export function accountOf(report: AuditReport, roleArn?: string): string | undefined {
  const role = roleArn && /^arn:aws[a-z-]*:iam::(\d{12}):role\//.exec(roleArn)?.[1];
  if (role) return role;
  for (const f of report.findings) {
    const m = ARN_ACCOUNT.exec(f.resource);
    if (m) return m[1];
  }
  return undefined;
}

/** Partition of a region (aws, aws-cn, aws-us-gov). */
export function partitionOf(region: string): string {
  return region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
}

/** Severity scale shared by the exports: OCSF severity_id and ASFF labels. */
export const SEVERITY_ID: Record<Severity, number> = { info: 1, low: 2, medium: 3, high: 4, critical: 5 };

/** What kind of resource a finding is about, for the ASFF `Resources[].Type` and the OCSF `resources[].type`. */
export interface ResourceKind {
  /** ASFF resource type (`AwsEc2SecurityGroup`...), `Other` when ASFF has none. */
  asff: string;
  /** Readable type: the ASFF type, or `Kubernetes <kind>`, `Coder <kind>`, `URL`. */
  label: string;
  /** The resource as an ARN where one can be built (a bare security group id), else as given. */
  id: string;
  /** Kubernetes namespace of a `k8s:` resource. */
  namespace?: string;
}

const ASFF_TYPES: Array<[RegExp, string]> = [
  [/^arn:aws[a-z-]*:ec2:[^:]*:\d*:security-group\//, 'AwsEc2SecurityGroup'],
  [/^arn:aws[a-z-]*:rds:[^:]*:\d*:cluster:/, 'AwsRdsDbCluster'],
  [/^arn:aws[a-z-]*:rds:[^:]*:\d*:db:/, 'AwsRdsDbInstance'],
  [/^arn:aws[a-z-]*:eks:[^:]*:\d*:cluster\//, 'AwsEksCluster'],
  [/^arn:aws[a-z-]*:elasticloadbalancing:[^:]*:\d*:loadbalancer\/(net|app)\//, 'AwsElbv2LoadBalancer'],
];

/** Classify a finding's resource; `aws` (region, account) turns a bare security group id into its ARN. */
export function resourceKind(resource: string, aws?: { region: string; account?: string }): ResourceKind {
  let id = resource;
  if (/^sg-[0-9a-f]+$/.test(resource) && aws?.account)
    id = `arn:${partitionOf(aws.region)}:ec2:${aws.region}:${aws.account}:security-group/${resource}`;
  const asff = ASFF_TYPES.find(([re]) => re.test(id))?.[1];
  if (asff) return { asff, label: asff, id };
  const k8s = /^k8s:([^/]+)\/([^/]+)\//.exec(resource);
  if (k8s) return { asff: 'Other', label: `Kubernetes ${k8s[2]}`, id, namespace: k8s[1] };
  const coder = /^coder:[^/]+\/([^/]+)\//.exec(resource);
  if (coder) return { asff: 'Other', label: `Coder ${coder[1]}`, id };
  if (/^https?:\/\//.test(resource)) return { asff: 'Other', label: 'URL', id };
  if (/^arn:/.test(resource)) return { asff: 'Other', label: resource.split(':')[2] ?? 'AWS', id };
  return { asff: 'Other', label: 'Other', id };
}
