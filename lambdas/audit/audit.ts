import { GROUPS } from '../checks/index.js';
import { tlsWarnings } from '../checks/tls.js';
import { createAwsClients } from '../clients/aws.js';
import { ALL_AWS_CLIENTS } from '../clients/aws-all.js';
import { CallRecorder } from './calls.js';
import { diagnose } from './diagnose.js';
import type { DeploymentConfig } from './config.js';
import type { CheckGroup } from './group.js';
import { applyMutes, disabledChecks, type Policy } from './mutes.js';
import { runAudit, sortFindings, summarize, type AuditReport, type ProgressEvent } from './runner.js';

export interface AuditOptions {
  only?: readonly string[];
  /** Mutes and overrides that apply to this deployment (`policyFor(config, id)`). */
  policy?: Policy;
  groups?: readonly CheckGroup<unknown>[];
  now?: () => Date;
  onProgress?: (e: ProgressEvent) => void;
  log?: (message: string) => void;
}

/** Audit one deployment with every registered group: the path shared by the CLI, the demo and the tests. */
export async function auditDeployment(
  deployment: DeploymentConfig,
  opts: AuditOptions = {},
): Promise<AuditReport> {
  const calls = new CallRecorder();
  const aws = createAwsClients(deployment, calls, ALL_AWS_CLIENTS);
  try {
    // One clear line when the credentials do not work, instead of the same error from every AWS read.
    const credentials = await aws.credentialsProblem();
    const notices = [
      ...(credentials
        ? [
            `No usable AWS credentials for deployment ${deployment.id} (${credentials}): every check that reads ` +
              'AWS could not run. Sign in (aws sso login, AWS_PROFILE, environment variables) or set aws.roleArn.',
          ]
        : []),
      ...tlsWarnings(deployment),
    ];
    const disabled = opts.policy ? disabledChecks(opts.policy) : [];
    const report = await runAudit({
      deployment,
      groups: opts.groups ?? GROUPS,
      aws,
      calls,
      ...(opts.only ? { only: opts.only } : {}),
      ...(disabled.length ? { skip: disabled.map((d) => d.check) } : {}),
      ...(opts.now ? { now: opts.now } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      ...(opts.log ? { log: opts.log } : {}),
    });
    // The configured policy first, so that the diagnosis weighs overridden severities and knows what is
    // muted; then, as the serverless aggregate does: point symptoms at their root cause, reconcile the fixes.
    let applied = report.findings;
    let mutes: AuditReport['mutes'];
    if (opts.policy) {
      const outcome = applyMutes(report.findings, opts.policy, new Date(report.startedAt));
      applied = sortFindings(outcome.findings);
      notices.push(...outcome.notices);
      if (outcome.notices.length)
        mutes = { expired: outcome.expired, unmatched: outcome.unmatched, notices: outcome.notices };
    }
    const { findings, rootCauses } = diagnose(applied);
    return {
      ...report,
      findings,
      rootCauses,
      summary: summarize(findings, report.summary.groups),
      ...(notices.length ? { notices } : {}),
      ...(mutes ? { mutes } : {}),
      ...(disabled.length ? { disabled } : {}),
    };
  } finally {
    aws.destroy();
  }
}
