import type { FindingInput } from '../../audit/check.js';
import type { DeploymentConfig } from '../../audit/config.js';
import type { Fact } from '../../audit/fact.js';
import { GuideSection } from '../../audit/guide.js';
import { Component, shq, type Remediation } from '../../audit/model.js';
import type { ProvisionerJob, TemplateVersion } from '../../clients/coder-workloads.js';
import { redactLine as redact } from '../../audit/redact.js';
import { queueRemediation } from './queue.js';
import { quote } from '../../audit/untrusted.js';

/** Why a template version's import failed. */
export type ImportFailure = 'contract' | 'missing-variables' | 'import-failed';

/**
 * The cause of a failed import, from its job's error and its log's error lines (Terraform's diagnostics: a
 * failed precondition of the template architecture's contract names the contract or the capability);
 * codersdk.RequiredTemplateVariables is coderd's own code for missing variables.
 */
export function importFailure(
  job: Pick<ProvisionerJob, 'error' | 'error_code'>,
  logs: readonly string[],
): ImportFailure {
  const text = [job.error ?? '', ...logs].join('\n');
  if (job.error_code === 'REQUIRED_TEMPLATE_VARIABLES' || /required template variables/i.test(text))
    return 'missing-variables';
  return /\bcontract\b|capabilit/i.test(text) ? 'contract' : 'import-failed';
}

/** A reason of template-versions. */
export type ImportReason = ImportFailure | 'import-stuck' | 'active-not-imported';

/**
 * The failing finding of a template version: its detail quotes the first error lines of the import log
 * (redacted, bounded); a contract failure belongs to "Contract Validation Failures", the others to
 * "Template Not Appearing in Coder".
 */
export function importFinding(
  ctx: {
    d: DeploymentConfig;
    template: string;
    resource: string;
    active: string | undefined;
    logs: Readonly<Record<string, Fact<string[]>>>;
  },
  reason: ImportReason,
  v: TemplateVersion,
  detail: string,
): FindingInput {
  const fact = ctx.logs[v.id];
  const lines = fact?.ok ? fact.value.slice(0, 3).map((l) => redact(l, 200)) : [];
  return {
    status: 'fail',
    reason,
    resource: ctx.resource,
    key: 'versions',
    detail: `Template ${ctx.template}: ${detail}${lines.length ? ` Import log: ${quote(lines.join(' '), 600)}` : ''}`,
    evidence: {
      version: v.name,
      createdBy: v.created_by?.username,
      job: v.job.status,
      ...(v.job.error ? { error: redact(v.job.error, 200) } : {}),
      log: lines,
      active: ctx.active,
    },
    ...(reason === 'contract' ? {} : { guideSection: GuideSection.TemplateNotAppearing }),
    remediation: importRemediation(ctx.d, ctx.template, reason),
  };
}

/** The runbook's fix per reason: the contract check and capability files, the template resource, the queue. */
export function importRemediation(d: DeploymentConfig, template: string, reason: ImportReason): Remediation {
  if (reason === 'import-stuck') return queueRemediation(d, 'stalled', '', 0);
  const org = shq(d.coder?.organization ?? 'coder');
  const versions = `coder templates versions list ${shq(template)} --org ${org}`;
  const base = 'terraform/modules/coder/template-architecture';
  const tf = `terraform state show ${shq(`module.coder.coderd_template.${template.replace(/[^A-Za-z0-9_]/g, '_')}`)}`;
  const [text, commands]: [string, string[]] =
    reason === 'contract'
      ? [
          'Make the infrastructure base implement the capability the toolchain requires (or drop the requirement); ' +
            'toolchain and base must use compatible contract versions. Then push the template again.',
          [
            `./${base}/ci-cd/scripts/contract-check.sh`,
            `cat ${base}/toolchains/*/toolchain.yaml`,
            `cat ${base}/contract/capabilities.yaml`,
          ],
        ]
      : reason === 'missing-variables'
        ? [
            "Give the template's required variables in its coderd_template resource, then push it again.",
            [tf],
          ]
        : reason === 'active-not-imported'
          ? [
              'Promote the last version that imported (coder templates versions promote), then fix the template.',
              [tf],
            ]
          : ["Read the failed version's Terraform errors and fix the template, then push it again.", [tf]];
  return {
    text,
    commands: [versions, ...commands],
    needs: [Component.CoderApi],
    otherwise: { text, commands },
  };
}
