import { allChecks } from '../lambdas/checks/index.js';

/** The check catalogue as a markdown table (README section; a test keeps them equal). */
export function catalogueMarkdown(): string {
  const rows = allChecks().map(
    (c) =>
      `| \`${c.meta.id}\` | ${c.meta.group} | ${c.meta.severity} | ${c.meta.description} | ${c.meta.guideSection} |`,
  );
  return (
    [
      '| Check | Group | Severity | Detects | Runbook section |',
      '| --- | --- | --- | --- | --- |',
      ...rows,
    ].join('\n') + '\n'
  );
}
