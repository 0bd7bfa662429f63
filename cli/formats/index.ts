import type { AuditReport } from '../../lambdas/audit/runner.js';
import type { Format } from '../options.js';
import { renderReports, type RenderOptions } from '../report.js';
import { toAsff } from './asff.js';
import type { FormatContext } from './context.js';
import { toHtml } from './html.js';
import { toJUnit } from './junit.js';
import { toOcsf } from './ocsf.js';
import { toSarif } from './sarif.js';

/** Render reports in any output format: the terminal ones (table, json, markdown) and the standard ones. */
export function renderFormat(
  format: Format,
  reports: readonly AuditReport[],
  ctx: FormatContext,
  opts: RenderOptions = {},
): string {
  switch (format) {
    case 'sarif':
      return toSarif(reports, ctx);
    case 'junit':
      return toJUnit(reports);
    case 'ocsf':
      return toOcsf(reports, ctx);
    case 'asff':
      return toAsff(reports, ctx);
    case 'html':
      return toHtml(reports, ctx);
    default:
      return renderReports(reports, format, {
        ...opts,
        ...(ctx.runbookUrl ? { runbookUrl: ctx.runbookUrl } : {}),
      });
  }
}
