import { writeFileSync } from 'node:fs';
import type { DeploymentConfig } from '../lambdas/audit/config.js';
import { UsageError } from '../lambdas/audit/errors.js';
import { atLeast, type Severity } from '../lambdas/audit/model.js';
import type { AuditReport } from '../lambdas/audit/runner.js';
import { accountOf, type FormatContext } from './formats/context.js';
import { renderFormat } from './formats/index.js';
import { EXIT, type Format, type OutputPlan } from './options.js';
import { VERSION } from './version.js';

/**
 * Exit code of a set of reports for a --fail-on threshold. Errors count: silence is not health. Muted
 * findings (accepted risks, until their mute expires) do not.
 */
export function exitCodeFor(reports: readonly AuditReport[], failOn: Severity): number {
  const hit = reports.some((r) =>
    r.findings.some(
      (f) => (f.status === 'fail' || f.status === 'error') && !f.muted && atLeast(f.severity, failOn),
    ),
  );
  return hit ? EXIT.findings : EXIT.ok;
}

/**
 * Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org: any non-empty value)
 * or TERM is `dumb`.
 */
export function useColour(stream: NodeJS.WriteStream = process.stdout, env = process.env): boolean {
  return stream.isTTY === true && !env.NO_COLOR && env.TERM !== 'dumb';
}

/** What a written file is, and what to do with it: the line the commands print after writing it. */
export const FORMAT_NOTES: Record<Format, { name: string; hint?: string }> = {
  table: { name: 'table' },
  json: { name: 'JSON report' },
  markdown: { name: 'Markdown report' },
  html: { name: 'HTML report', hint: 'one file, open it in any browser' },
  sarif: {
    name: 'SARIF 2.1.0',
    hint: 'upload it to GitHub code scanning with github/codeql-action/upload-sarif',
  },
  junit: { name: 'JUnit XML', hint: 'publish it as a test report in CI' },
  ocsf: { name: 'OCSF Detection Findings (JSON array)' },
  asff: {
    name: 'ASFF findings',
    hint: 'import them with aws securityhub batch-import-findings --findings file://FILE, at most 100 per call',
  },
};

/** One line per written file: "SARIF 2.1.0 written to out.sarif (upload it ...)". */
export function writtenLines(files: OutputPlan['files']): string[] {
  return files.map((f) => {
    const note = FORMAT_NOTES[f.format];
    const hint = note.hint?.replace('FILE', f.file);
    return `${note.name} written to ${f.file}${hint ? ` (${hint})` : ''}`;
  });
}

/**
 * What the standard formats need: the check catalogue, the version, and each deployment's region and
 * account (region from the configuration or the ARNs in the findings; account from aws.roleArn or the ARNs).
 */
export async function formatContext(
  reports: readonly AuditReport[],
  deployments: readonly DeploymentConfig[] = [],
  artifact?: FormatContext['artifact'],
  runbookUrl?: string,
): Promise<FormatContext> {
  const { allChecks } = await import('../lambdas/checks/index.js');
  const aws: NonNullable<FormatContext['aws']> = {};
  for (const r of reports) {
    const d = deployments.find((x) => x.id === r.deployment);
    const arnRegion = r.findings
      .map((f) => /^arn:aws[a-z-]*:[a-z0-9-]+:([a-z]{2}(?:-gov)?-[a-z]+-\d):/.exec(f.resource)?.[1])
      .find(Boolean);
    const region = d?.aws.region ?? arnRegion;
    const account = accountOf(r, d?.aws.roleArn);
    if (region) aws[r.deployment] = { region, ...(account ? { account } : {}) };
  }
  return {
    catalogue: allChecks().map((c) => c.meta),
    version: VERSION,
    aws,
    ...(artifact ? { artifact } : {}),
    ...(runbookUrl ? { runbookUrl } : {}),
  };
}

/**
 * Write each planned file, then print the stdout format (the only thing stdout carries). Files first, so a
 * format that cannot be produced (ASFF without an account) fails before anything is printed.
 */
export function emitReports(
  reports: readonly AuditReport[],
  plan: OutputPlan,
  ctx: FormatContext,
  showPasses: boolean,
): void {
  for (const f of plan.files) {
    const text = renderFormat(f.format, reports, ctx, { showPasses });
    try {
      writeFileSync(f.file, text);
    } catch (err) {
      throw new UsageError(`--output: cannot write ${f.file}: ${(err as Error).message}`);
    }
  }
  if (plan.stdout) {
    const colour = plan.stdout === 'table' && useColour();
    process.stdout.write(renderFormat(plan.stdout, reports, ctx, { colour, showPasses }));
  }
}
