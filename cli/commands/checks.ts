import { allMeta } from '../../lambdas/checks/meta.js';
import { catalogueMarkdown } from '../catalogue.js';

/** `coder-audit checks`: the catalogue, from the checks' metadata (reasons included in JSON). */
export function checksCommand(o: { format: string }): void {
  const metas = allMeta();
  if (o.format === 'json') process.stdout.write(JSON.stringify(metas, null, 2) + '\n');
  else if (o.format === 'markdown') process.stdout.write(catalogueMarkdown());
  else
    process.stdout.write(
      metas
        .map((m) => `${m.id.padEnd(28)} ${m.group.padEnd(9)} ${m.severity.padEnd(9)} ${m.title}\n`)
        .join(''),
    );
}
