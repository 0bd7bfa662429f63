import { auditDeployment } from '../../lambdas/audit/audit.js';
import { loadConfig } from '../../lambdas/audit/config.js';
import { tlsWarnings } from '../../lambdas/checks/tls.js';
import { ConfigError } from '../../lambdas/audit/errors.js';
import type { AuditReport } from '../../lambdas/audit/runner.js';
import { exitCodeFor, output } from '../output.js';
import type { RunOptions } from '../program.js';
import { assertKnownChecks, progress } from './common.js';

/** `coder-audit run`: audit the configured deployments, one after the other. */
export async function runCommand(o: RunOptions): Promise<void> {
  if (o.only) await assertKnownChecks(o.only);
  const config = loadConfig(o.config);
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
        onProgress: progress(o.quiet),
      }),
    );
  }
  output(reports, o.format, o.showPasses);
  process.exitCode = exitCodeFor(reports, o.failOn);
}
