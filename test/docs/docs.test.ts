import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  catalogueMarkdown,
  causalGraphMarkdown,
  reasonsMarkdown,
  runbookCoverageMarkdown,
  runbookHeadings,
} from '../../cli/catalogue.js';
import { configJsonSchema } from '../../lambdas/audit/config.js';
import { GuideSection, NOT_CHECKED } from '../../lambdas/audit/guide.js';
import { FINDING_EVENT_VERSION, findingEventsJsonSchema } from '../../lambdas/notify/event-schema.js';
import { EVENT_VERSION } from '../../lambdas/notify/events.js';
import { allChecks } from '../../lambdas/checks/index.js';
import {
  configFields,
  configReferenceMarkdown,
  readOnlyPolicyMarkdown,
  replaceRegion,
  type JsonSchema,
} from '../../scripts/docs.js';

const root = join(import.meta.dirname, '../..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const runbook = readFileSync(join(root, 'docs/coder-troubleshooting-guide.md'), 'utf8');

/** The text between `<!-- name:start -->` and `<!-- name:end -->` of the README. */
function region(name: string): string {
  const start = readme.indexOf(`<!-- ${name}:start -->`);
  const end = readme.indexOf(`<!-- ${name}:end -->`);
  expect(start, `README has ${name} markers`).toBeGreaterThan(0);
  expect(end, `README has ${name} markers`).toBeGreaterThan(start);
  return readme.slice(start + `<!-- ${name}:start -->`.length, end).trim();
}

/** Every object property of a JSON Schema, with its path, through items, unions and maps. */
function properties(schema: JsonSchema, path = ''): Array<[string, JsonSchema]> {
  const own = Object.entries(schema.properties ?? {}).flatMap(([name, p]): Array<[string, JsonSchema]> => [
    [`${path}.${name}`, p],
    ...properties(p, `${path}.${name}`),
  ]);
  const nested = [
    ...(schema.items ? properties(schema.items, `${path}[]`) : []),
    ...(typeof schema.additionalProperties === 'object'
      ? properties(schema.additionalProperties, `${path}.<key>`)
      : []),
    ...[...(schema.oneOf ?? []), ...(schema.anyOf ?? [])].flatMap((v) => properties(v, path)),
  ];
  return [...own, ...nested];
}

describe('Docs', () => {
  it('README check catalogue matches the registry (npx tsx scripts/docs.ts)', () => {
    expect(region('catalogue')).toBe(catalogueMarkdown().trim());
  });

  it('docs/root-causes.md shows the causal graph of lambdas/checks/causes.ts (npm run docs)', () => {
    const doc = readFileSync(join(root, 'docs/root-causes.md'), 'utf8');
    expect(replaceRegion(doc, 'causal-graph', causalGraphMarkdown())).toBe(doc);
    expect(doc).toContain('## Links deliberately not made');
  });

  it('docs/runbook-coverage.md says how each runbook section is automated, or why not (npm run docs)', () => {
    const doc = readFileSync(join(root, 'docs/runbook-coverage.md'), 'utf8');
    expect(doc).toBe(runbookCoverageMarkdown(runbook));
    // No section is left without a check or a reason; every reason names a real section.
    expect(doc).not.toContain('NOT COVERED');
    const titles = runbookHeadings(runbook).map((h) => h.title);
    for (const t of Object.keys(NOT_CHECKED)) expect(titles, t).toContain(t);
    for (const section of [
      'Workspace Provisioning Timeouts',
      'Contract Validation Failures',
      'Template Not Appearing in Coder',
      'Scale Testing Troubleshooting',
      'Network Debugging',
      'Coder CLI Debugging',
    ])
      expect(Object.values(GuideSection), section).toContain(section);
  });

  it('docs/reasons.md lists every reason of every check (npm run docs)', () => {
    expect(readFileSync(join(root, 'docs/reasons.md'), 'utf8')).toBe(reasonsMarkdown());
  });

  it('README read-only policy is the one the check groups declare (npx tsx scripts/docs.ts)', () => {
    expect(region('read-policy')).toBe(readOnlyPolicyMarkdown().trim());
  });

  it('README configuration reference matches the schema (npx tsx scripts/docs.ts)', () => {
    expect(region('config-reference')).toBe(configReferenceMarkdown().trim());
  });

  it('every property of the configuration schema has a description', () => {
    const schema = configJsonSchema() as JsonSchema;
    expect(schema.description).toBeTruthy();
    const all = properties(schema);
    expect(all.length).toBeGreaterThan(80);
    const missing = all.filter(([, p]) => !p.description?.trim()).map(([path]) => path);
    expect(missing).toEqual([]);
  });

  it('the configuration reference lists every field once, with its default', () => {
    const fields = configFields();
    const paths = fields.map((f) => f.path);
    expect(new Set(paths).size).toBe(paths.length);
    expect(paths).toContain('deployments[].aurora.clusterId');
    expect(paths).toContain('deployments[].database.auth.secretId');
    expect(fields.find((f) => f.path === 'deployments[].aws.maxAttempts')).toMatchObject({
      type: 'integer 1–10',
      presence: 'default: `4`',
    });
    expect(fields.find((f) => f.path === 'deployments[].database.auth.secretId')?.presence).toBe(
      'required with type: secret',
    );
    expect(fields.find((f) => f.path === 'deployments[].eks.clusterName')?.presence).toBe('required');
    expect(fields.every((f) => f.description.length > 10)).toBe(true);
  });

  it('regenerating a README region is idempotent', () => {
    const once = replaceRegion(readme, 'config-reference', configReferenceMarkdown());
    expect(replaceRegion(once, 'config-reference', configReferenceMarkdown())).toBe(once);
    expect(once).toBe(readme);
  });

  it('the published JSON Schema is the one the code validates with (npm run schema)', () => {
    const published: unknown = JSON.parse(readFileSync(join(root, 'config.schema.json'), 'utf8'));
    expect(published).toEqual(JSON.parse(JSON.stringify(configJsonSchema())));
  });

  it('docs/finding-events.schema.json is the schema of the events the code puts (npm run docs)', () => {
    const published: unknown = JSON.parse(
      readFileSync(join(root, 'docs', 'finding-events.schema.json'), 'utf8'),
    );
    expect(published).toEqual(JSON.parse(JSON.stringify(findingEventsJsonSchema())));
    expect(FINDING_EVENT_VERSION).toBe(EVENT_VERSION);
  });

  it('README quick start gives the demo and test commands', () => {
    expect(readme).toContain('npm ci && npm run demo');
    expect(readme).toContain('npm test');
  });

  it('every runbook section a check cites is a heading of the runbook', () => {
    const headings = new Set([...runbook.matchAll(/^#{2,4} (.+)$/gm)].map((m) => m[1]!.trim()));
    for (const s of Object.values(GuideSection)) expect(headings, s).toContain(s);
  });

  it('every check cites a runbook section and has a one-sentence description', () => {
    for (const c of allChecks()) {
      expect(Object.values(GuideSection), c.meta.id).toContain(c.meta.guideSection);
      expect(c.meta.description.length, c.meta.id).toBeGreaterThan(10);
    }
  });
});
