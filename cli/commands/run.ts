import { readFileSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { auditDeployment } from '../../lambdas/audit/audit.js';
import { loadConfig, type AuditConfig } from '../../lambdas/audit/config.js';
import { tlsWarnings } from '../../lambdas/checks/tls.js';
import { ConfigError } from '../../lambdas/audit/errors.js';
import { policyFor } from '../../lambdas/audit/mutes.js';
import type { AuditReport } from '../../lambdas/audit/runner.js';
import { planOutputs } from '../options.js';
import { emitReports, exitCodeFor, formatContext, writtenLines } from '../output.js';
import type { RunOptions } from '../program.js';
import { assertKnownChecks, knownCheckIds, progress } from './common.js';

/** Line (1-based) of each deployment's `id:` in the configuration text, for SARIF locations. */
export function deploymentLines(text: string, ids: readonly string[]): Record<string, number> {
  const lines = text.split('\n');
  const out: Record<string, number> = {};
  for (const id of ids) {
    const re = new RegExp(`^\\s*(-\\s*)?id:\\s*(['"]?)${id}\\2\\s*(#.*)?$`);
    const i = lines.findIndex((l) => re.test(l));
    if (i >= 0) out[id] = i + 1;
  }
  return out;
}

/**
 * Mutes and overrides must name checks that exist, and a mute's reasons codes its check declares: a typo
 * would mute nothing and disable nothing.
 */
async function assertRuleChecks(config: AuditConfig, file: string): Promise<void> {
  const known = await knownCheckIds();
  const { metaOf } = await import('../../lambdas/checks/meta.js');
  const bad = [
    ...(config.mutes ?? []).map((m, i) => [`mutes[${i}].check`, m.check] as const),
    ...(config.overrides ?? []).map((o, i) => [`overrides[${i}].check`, o.check] as const),
  ]
    .filter(([, id]) => !known.has(id))
    .map(([path, id]) => `  ${path}: unknown check id "${id}" (see \`coder-audit checks\`)`);
  (config.mutes ?? []).forEach((m, i) => {
    const declared = metaOf(m.check)?.reasons;
    if (!declared) return;
    (m.reasons ?? []).forEach((code, j) => {
      if (!Object.hasOwn(declared, code))
        bad.push(
          `  mutes[${i}].reasons[${j}]: "${code}" is not a reason of ${m.check} (it has: ${Object.keys(declared).join(', ')})`,
        );
    });
  });
  if (bad.length) throw new ConfigError(`invalid configuration file ${file}:\n${bad.join('\n')}`);
}

/** `coder-audit run`: audit the configured deployments, one after the other. */
export async function runCommand(o: RunOptions): Promise<void> {
  const plan = planOutputs(o.format, o.output);
  if (o.only) await assertKnownChecks(o.only);
  const config = loadConfig(o.config);
  await assertRuleChecks(config, o.config);
  const deployments = o.deployment
    ? config.deployments.filter((d) => d.id === o.deployment)
    : config.deployments;
  if (deployments.length === 0) {
    throw new ConfigError(
      `deployment "${o.deployment}" is not in ${o.config} (have: ${config.deployments.map((d) => d.id).join(', ')})`,
    );
  }
  const reports: AuditReport[] = [];
  for (const d of deployments) {
    if (!o.quiet) process.stderr.write(`Auditing ${d.id} (${d.aws.region})\n`);
    // Said even with --quiet: a configuration that turns TLS verification off is never silent.
    for (const w of tlsWarnings(d)) process.stderr.write(`${w}\n`);
    reports.push(
      await auditDeployment(d, {
        ...(o.only ? { only: o.only } : {}),
        policy: policyFor(config, d.id),
        onProgress: progress(o.quiet),
      }),
    );
  }
  const artifact = {
    uri: relative(process.cwd(), o.config).split(sep).join('/'),
    lines: deploymentLines(
      readFileSync(o.config, 'utf8'),
      deployments.map((d) => d.id),
    ),
  };
  const ctx = await formatContext(reports, deployments, artifact);
  emitReports(reports, plan, ctx, o.showPasses);
  if (!o.quiet) for (const line of writtenLines(plan.files)) process.stderr.write(`${line}\n`);
  process.exitCode = exitCodeFor(reports, o.failOn);
}
