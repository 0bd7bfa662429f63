import type { DeploymentConfig } from '../../audit/config.js';
import { Component, shq, type Remediation } from '../../audit/model.js';
import type { Fact } from '../../audit/fact.js';
import type { ProvisionerJob, Workspace } from '../../clients/coder-workloads.js';
import { redactLine as redact } from '../../audit/redact.js';
import { minutesSince } from './lib.js';

/** Why a workspace build failed, read from its provisioner job's `error` and `error_code`. */
export type BuildFailure =
  | 'no-provisioner'
  | 'missing-parameters'
  | 'provider-throttling'
  | 'quota-exceeded'
  | 'timeout'
  | 'terraform-error';

/**
 * The causes, most specific first. Sources: coderd's job reaper messages (coderd/jobreaper/detector.go:
 * "detected as pending|hung for N minutes"), codersdk.RequiredTemplateVariables, the AWS SDK's throttling
 * codes as the Terraform AWS provider prints them (`ThrottlingException`, `RequestLimitExceeded`,
 * `Rate exceeded`, `TooManyRequestsException`), the Kubernetes API's 429 (`the server has received too many
 * requests`), EC2 limit codes (`VcpuLimitExceeded`, `InstanceLimitExceeded`, `InsufficientInstanceCapacity`,
 * `VolumeLimitExceeded`) and a namespace ResourceQuota's `exceeded quota`, the Terraform timeouts
 * (`timeout while waiting for state`, `context deadline exceeded`).
 */
const CAUSES: ReadonlyArray<[BuildFailure, RegExp]> = [
  ['no-provisioner', /detected as pending for \d+ minutes/i],
  ['missing-parameters', /required template variables|missing (?:required )?parameter/i],
  [
    'provider-throttling',
    /throttl|rate exceeded|requestlimitexceeded|toomanyrequests|too many requests|api rate limit/i,
  ],
  [
    'quota-exceeded',
    /vcpulimitexceeded|instancelimitexceeded|volumelimitexceeded|insufficientinstancecapacity|limitexceeded|exceeded quota|quota exceeded|service quota/i,
  ],
  ['timeout', /detected as hung|timeout while waiting|context deadline exceeded|timed out|\btimeout\b/i],
];

/**
 * The cause of a failed build from its job's error and the error lines of its log (a Terraform failure's
 * job error is only `terraform apply: exit status 1`: the provider's message is in the log); anything not
 * recognised is a Terraform plan/apply error.
 */
export function buildFailure(
  job: Pick<ProvisionerJob, 'error' | 'error_code'>,
  logs: readonly string[] = [],
): BuildFailure {
  if (job.error_code === 'REQUIRED_TEMPLATE_VARIABLES') return 'missing-parameters';
  const text = [job.error ?? '', ...logs].join('\n');
  return CAUSES.find(([, re]) => re.test(text))?.[0] ?? 'terraform-error';
}

/** A reason of workspace-builds: a failure cause, or a build that does not finish. */
export type BuildReason = BuildFailure | 'stuck-pending' | 'stuck-starting';

/**
 * The runbook's diagnosis for each reason ("Check provisioner logs", "Check Terraform provider errors in
 * logs", "AWS API Throttling: reduce concurrent provisioning or request a limit increase"), with a sample
 * workspace (`owner/name`) to look at.
 */
export function buildRemediation(d: DeploymentConfig, reason: BuildReason, sample: string): Remediation {
  const prov = shq(d.namespaces.provisioner);
  const ws = shq(d.namespaces.workspaces);
  const org = shq(d.coder?.organization ?? 'coder');
  const logs = (grep: string) =>
    `kubectl logs -n ${prov} -l app.kubernetes.io/name=coder-provisioner --since=1h --prefix | grep -iE ${shq(grep)}`;
  const table: Record<BuildReason, [string, string[], string[]]> = {
    'terraform-error': [
      'Read the failed build of an affected workspace and fix the template or its provider configuration.',
      [logs('terraform (plan|apply)|error:')],
      [`coder show ${shq(sample)}`],
    ],
    'provider-throttling': [
      'The provider was throttled: reduce concurrent provisioning (provisioner replicas, build bursts) or request a higher API rate limit.',
      [
        logs('throttl|rate exceeded|requestlimitexceeded|too many requests'),
        `kubectl get deployment -n ${prov}`,
      ],
      [],
    ],
    'quota-exceeded': [
      'A quota or limit stopped the build: raise it (Service Quotas, the namespace ResourceQuota) or lower the demand.',
      [
        logs('limitexceeded|exceeded quota|insufficientinstancecapacity'),
        `kubectl describe resourcequota -n ${ws}`,
      ],
      [],
    ],
    timeout: [
      'Builds time out while their resources never become ready: check the workspace pods and their events.',
      [`kubectl get events -n ${ws} --sort-by=.lastTimestamp`, logs('timeout|deadline|hung')],
      [`coder show ${shq(sample)}`],
    ],
    'no-provisioner': [
      'No provisioner daemon took the builds: check the daemons, their tags and the provisioner queue.',
      [`kubectl get pods -n ${prov} -l app.kubernetes.io/name=coder-provisioner`],
      [`coder provisioner list --org ${org}`, `coder provisioner jobs list --org ${org} --status pending`],
    ],
    'missing-parameters': [
      "Give the template's required variables (coderd_template variables, or the workspace's parameters).",
      [],
      [`coder show ${shq(sample)}`],
    ],
    'stuck-pending': [
      'Builds wait for a provisioner: check the daemons, their tags and the provisioner queue.',
      [`kubectl get pods -n ${prov} -l app.kubernetes.io/name=coder-provisioner`],
      [`coder provisioner jobs list --org ${org} --status pending`],
    ],
    'stuck-starting': [
      'Builds run for long: check that the workspace pods schedule and pull their images.',
      [
        `kubectl get pods -n ${ws} --field-selector=status.phase=Pending`,
        `kubectl get events -n ${ws} --sort-by=.lastTimestamp`,
      ],
      [],
    ],
  };
  const [text, commands, api] = table[reason];
  return api.length
    ? { text, commands: [...api, ...commands], needs: [Component.CoderApi], otherwise: { text, commands } }
    : { text, commands };
}

/**
 * The latest builds that failed within `window` minutes, by cause (from the job's error and its log's error
 * lines), and those pending or running for `stuck` minutes or more.
 */
export function classifyBuilds(
  workspaces: readonly Workspace[],
  logs: Readonly<Record<string, Fact<string[]>>>,
  now: Date,
  { window, stuck }: { window: number; stuck: number },
): Map<BuildReason, Workspace[]> {
  const byReason = new Map<BuildReason, Workspace[]>();
  const add = (r: BuildReason, w: Workspace) => byReason.set(r, [...(byReason.get(r) ?? []), w]);
  for (const w of workspaces) {
    const job = w.latest_build.job;
    const age = (ts: string | null | undefined) => minutesSince(ts ?? job.created_at, now) ?? 0;
    if (job.status === 'failed' && age(job.completed_at) <= window) {
      const fact = logs[w.latest_build.id];
      add(buildFailure(job, fact?.ok ? fact.value : []), w);
    } else if (job.status === 'pending' && age(job.created_at) >= stuck) add('stuck-pending', w);
    else if (job.status === 'running' && age(job.started_at) >= stuck) add('stuck-starting', w);
  }
  return byReason;
}

/** What a build's failure says, redacted and bounded: its log's first error lines, else its job's error. */
export function buildErrorText(w: Workspace, logs: Readonly<Record<string, Fact<string[]>>>): string[] {
  const fact = logs[w.latest_build.id];
  const text =
    fact?.ok && fact.value.length ? fact.value.slice(0, 2).join(' ') : (w.latest_build.job.error ?? '');
  return text ? [redact(text, 160)] : [];
}
