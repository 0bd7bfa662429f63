import { atLeast, type Severity } from '../lambdas/audit/model.js';
import type { AuditReport } from '../lambdas/audit/runner.js';
import { EXIT, type Format } from './options.js';
import { renderReports } from './report.js';

/** Exit code of a set of reports for a --fail-on threshold. Errors count: silence is not health. */
export function exitCodeFor(reports: readonly AuditReport[], failOn: Severity): number {
  const hit = reports.some((r) =>
    r.findings.some((f) => (f.status === 'fail' || f.status === 'error') && atLeast(f.severity, failOn)),
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

/** Print reports to stdout (the only thing stdout carries). */
export function output(reports: AuditReport[], format: Format, showPasses: boolean): void {
  const colour = format === 'table' && useColour();
  process.stdout.write(renderReports(reports, format, { colour, showPasses }));
}
