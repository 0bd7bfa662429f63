// Generated documentation: the README's configuration reference (from the JSON Schema of the configuration
// file) and check catalogue (from the checks' metadata), docs/reasons.md (every check's reasons),
// docs/runbook-coverage.md (which checks automate each runbook section) and config.schema.json itself. Run `npm run docs` after changing the configuration schema or a check's
// metadata; tests keep all four current.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  catalogueMarkdown,
  causalGraphMarkdown,
  reasonsMarkdown,
  runbookCoverageMarkdown,
} from '../cli/catalogue.js';
import { configJsonSchema, type DeploymentConfig } from '../lambdas/audit/config.js';
import { GROUP_IDS } from '../lambdas/audit/model.js';
import { GROUP_READS } from '../lambdas/checks/reads.js';
import { findingEventsJsonSchema } from '../lambdas/notify/event-schema.js';

/** The subset of JSON Schema (draft 2020-12) that `z.toJSONSchema` emits for the configuration. */
export interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  const?: unknown;
  enum?: unknown[];
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
}

/** One row of the reference table: a field of the configuration file. */
export interface FieldDoc {
  /** `deployments[].aurora.clusterId`; `<key>` stands for a key of a map. */
  path: string;
  type: string;
  /** `required`, `optional`, `required with type: secret`, or `` default: `value` ``. */
  presence: string;
  description: string;
}

const ROOT = join(import.meta.dirname, '..');
const README = join(ROOT, 'README.md');
const SCHEMA_FILE = join(ROOT, 'config.schema.json');
/** The published JSON Schema of the EventBridge event details. */
export const EVENTS_SCHEMA_FILE = join(ROOT, 'docs', 'finding-events.schema.json');
const REASONS_FILE = join(ROOT, 'docs/reasons.md');
const CAUSES_FILE = join(ROOT, 'docs/root-causes.md');
const RUNBOOK_FILE = join(ROOT, 'docs/coder-troubleshooting-guide.md');
const COVERAGE_FILE = join(ROOT, 'docs/runbook-coverage.md');

/** Bounds zod emits for every integer: not worth printing. */
const SAFE = Number.MAX_SAFE_INTEGER;

function variants(s: JsonSchema): JsonSchema[] | undefined {
  return s.oneOf ?? s.anyOf;
}

function bounds(s: JsonSchema): string {
  const low =
    s.exclusiveMinimum !== undefined
      ? `> ${s.exclusiveMinimum}`
      : s.minimum !== undefined && s.minimum > -SAFE
        ? `${s.minimum}`
        : undefined;
  const high = s.maximum !== undefined && s.maximum < SAFE ? `${s.maximum}` : undefined;
  if (low && high) return low.startsWith('>') ? ` ${low}, ≤ ${high}` : ` ${low}–${high}`;
  if (low) return low.startsWith('>') ? ` ${low}` : ` ≥ ${low}`;
  return high ? ` ≤ ${high}` : '';
}

/** A short type: `string`, `URL`, `integer 1–10`, `string[]`, `"standard" \| "adaptive"`, `map of string`. */
export function typeOf(s: JsonSchema): string {
  if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``;
  if (s.enum) return s.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' | ');
  const alternatives = variants(s);
  if (alternatives) return [...new Set(alternatives.map(typeOf))].join(' or ');
  const type = Array.isArray(s.type) ? s.type.join(' or ') : s.type;
  switch (type) {
    case 'string':
      return s.format === 'uri' ? 'URL' : s.format === 'email' ? 'e-mail' : 'string';
    case 'integer':
    case 'number':
      return `${type}${bounds(s)}`;
    case 'array': {
      const item = s.items ? typeOf(s.items) : 'any';
      return item.includes(' ') ? `list of ${item}` : `${item}[]`;
    }
    case 'object':
      if (!s.properties && s.additionalProperties && typeof s.additionalProperties === 'object')
        return `map of ${typeOf(s.additionalProperties)}`;
      return 'object';
    default:
      return type ?? 'any';
  }
}

function presence(s: JsonSchema, required: boolean): string {
  if (s.default !== undefined) {
    const objectDefault = s.default !== null && typeof s.default === 'object' && !Array.isArray(s.default);
    // An object's default is the sum of its fields' defaults, which their own rows show.
    if (objectDefault && Object.keys(s.default as object).length > 0) return 'optional';
    return `default: \`${JSON.stringify(s.default)}\``;
  }
  return required ? 'required' : 'optional';
}

/**
 * Text safe inside a markdown table cell: one line, `|` escaped, and outside code spans `<` and `>` as
 * entities (GitHub would take `<key id>` for an HTML tag and drop it).
 */
function cell(text: string): string {
  return text
    .replace(/\s*\n\s*/g, ' ')
    .split(/(`[^`]*`)/)
    .map((part) => (part.startsWith('`') ? part : part.replace(/</g, '&lt;').replace(/>/g, '&gt;')))
    .join('')
    .replace(/\|/g, '\\|');
}

/**
 * The properties of an object schema, or of every variant of a union of objects (`database.auth`). A property
 * of some variants only is "required with" the discriminator values of those variants; a property whose
 * description differs between variants (the discriminator itself) gets each one, labelled by its variant.
 */
function propertiesOf(s: JsonSchema): Array<[name: string, schema: JsonSchema, required: boolean | string]> {
  const alternatives = variants(s);
  if (!alternatives) {
    const required = new Set(s.required ?? []);
    return Object.entries(s.properties ?? {}).map(([name, p]) => [name, p, required.has(name)]);
  }
  const objects = alternatives.filter((v) => v.properties);
  const names = [...new Set(objects.flatMap((v) => Object.keys(v.properties!)))];
  // The discriminator: a property that is a constant in every variant.
  const key = names.find((n) => objects.every((v) => v.properties![n]?.const !== undefined));
  const value = (v: JsonSchema) => (key ? String(v.properties![key]!.const) : '?');
  return names.map((name) => {
    const holders = objects.filter((v) => v.properties![name]);
    const schemas = holders.map((v) => v.properties![name]!);
    const { const: constant, ...first } = schemas[0]!;
    const descriptions = new Set(schemas.map((p) => p.description));
    const merged: JsonSchema = {
      ...first,
      ...(schemas.length > 1 && schemas.every((p) => p.const !== undefined)
        ? { enum: schemas.map((p) => p.const) }
        : constant !== undefined
          ? { const: constant }
          : {}),
      description:
        descriptions.size === 1
          ? first.description
          : holders.map((v, i) => `\`${value(v)}\`: ${schemas[i]!.description ?? ''}`).join(' '),
    };
    const requiredIn = holders.filter((v) => (v.required ?? []).includes(name));
    const required =
      requiredIn.length === objects.length
        ? true
        : requiredIn.length === 0
          ? false
          : `required with ${requiredIn.map((v) => `${key}: ${value(v)}`).join(' or ')}`;
    return [name, merged, required];
  });
}

/** Every field of the schema, depth first, in declaration order. */
export function configFields(schema: JsonSchema = configJsonSchema() as JsonSchema): FieldDoc[] {
  const rows: FieldDoc[] = [];
  const walk = (s: JsonSchema, prefix: string) => {
    for (const [name, p, required] of propertiesOf(s)) {
      const path = prefix ? `${prefix}.${name}` : name;
      rows.push({
        path,
        type: typeOf(p),
        presence: typeof required === 'string' ? required : presence(p, required),
        description: p.description ?? '',
      });
      descend(p, path);
    }
  };
  const descend = (p: JsonSchema, path: string) => {
    if (p.properties || variants(p)?.some((v) => v.properties)) walk(p, path);
    else if (p.items?.properties) walk(p.items, `${path}[]`);
    else if (p.additionalProperties && typeof p.additionalProperties === 'object') {
      const value = p.additionalProperties;
      if (value.properties) walk(value, `${path}.<key>`);
    }
  };
  walk(schema, '');
  return rows;
}

/** The configuration reference as a markdown table (README section; a test keeps them equal). */
export function configReferenceMarkdown(): string {
  const rows = configFields().map(
    (f) => `| \`${f.path}\` | ${cell(f.type)} | ${cell(f.presence)} | ${cell(f.description)} |`,
  );
  return (
    ['| Field | Type | Required / default | Description |', '| --- | --- | --- | --- |', ...rows].join('\n') +
    '\n'
  );
}

/**
 * The read-only IAM policy of the README, from what each check group declares it reads
 * (`lambdas/checks/<group>/reads.ts`): placeholders for the ids, both database authentications.
 */
export function readOnlyPolicy(): { Version: string; Statement: Array<Record<string, unknown>> } {
  const base = {
    id: 'prod',
    eks: { clusterName: '<cluster>', nodegroups: ['<nodegroup>'] },
    aurora: { clusterId: '<aurora-cluster>' },
    coder: { tokenSecretId: 'coder-auditor/prod/coder-token' },
  };
  const deployments = [
    {
      ...base,
      database: { user: 'coder_auditor', auth: { type: 'secret', secretId: 'coder-auditor/prod/db' } },
    },
    { ...base, database: { user: 'coder_auditor', auth: { type: 'iam' } } },
  ] as unknown as DeploymentConfig[];
  const ctx = {
    arn: (service: string, resource: string) => `arn:aws:${service}:<region>:<account>:${resource}`,
    dbResourceId: '<cluster-resource-id>',
  };
  const statements: Array<Record<string, unknown>> = [];
  const seen = new Set<string>();
  for (const group of GROUP_IDS) {
    for (const read of GROUP_READS[group]) {
      const resources = [...new Set(deployments.flatMap((d) => read.resources(d, ctx)))];
      const key = JSON.stringify([read.actions, resources]);
      if (resources.length === 0 || seen.has(key)) continue;
      seen.add(key);
      statements.push({
        Sid: read.sid,
        Effect: 'Allow',
        Action: read.actions.length === 1 ? read.actions[0] : [...read.actions],
        Resource: resources.length === 1 ? resources[0] : resources,
      });
    }
  }
  return { Version: '2012-10-17', Statement: statements };
}

/** The README's policy block (a JSON code fence; a test keeps it current). */
export function readOnlyPolicyMarkdown(): string {
  const lines = readOnlyPolicy().Statement.map(
    (st) => `    ${JSON.stringify(st).replace(/,"/g, ', "').replace(/":/g, '": ')}`,
  );
  return [
    '```json',
    '{',
    '  "Version": "2012-10-17",',
    '  "Statement": [',
    lines.join(',\n'),
    '  ]',
    '}',
    '```',
    '',
  ].join('\n');
}

/** Replace what lies between `<!-- name:start -->` and `<!-- name:end -->` with `content`. */
export function replaceRegion(text: string, name: string, content: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`no ${start} ... ${end} region`);
  return text.slice(0, from + start.length) + '\n' + content.trimEnd() + '\n' + text.slice(to);
}

/** Rewrite the generated parts of README.md and config.schema.json; returns the files that changed. */
export function writeDocs(): string[] {
  const changed: string[] = [];
  const readme = readFileSync(README, 'utf8');
  const next = replaceRegion(
    replaceRegion(
      replaceRegion(readme, 'config-reference', configReferenceMarkdown()),
      'catalogue',
      catalogueMarkdown(),
    ),
    'read-policy',
    readOnlyPolicyMarkdown(),
  );
  if (next !== readme) {
    writeFileSync(README, next);
    changed.push('README.md');
  }
  const reasons = reasonsMarkdown();
  if (!existsSync(REASONS_FILE) || readFileSync(REASONS_FILE, 'utf8') !== reasons) {
    writeFileSync(REASONS_FILE, reasons);
    changed.push('docs/reasons.md');
  }
  const causes = readFileSync(CAUSES_FILE, 'utf8');
  const nextCauses = replaceRegion(causes, 'causal-graph', causalGraphMarkdown());
  if (nextCauses !== causes) {
    writeFileSync(CAUSES_FILE, nextCauses);
    changed.push('docs/root-causes.md');
  }
  const coverage = runbookCoverageMarkdown(readFileSync(RUNBOOK_FILE, 'utf8'));
  if (!existsSync(COVERAGE_FILE) || readFileSync(COVERAGE_FILE, 'utf8') !== coverage) {
    writeFileSync(COVERAGE_FILE, coverage);
    changed.push('docs/runbook-coverage.md');
  }
  const schema = JSON.stringify(configJsonSchema(), null, 2) + '\n';
  if (readFileSync(SCHEMA_FILE, 'utf8') !== schema) {
    writeFileSync(SCHEMA_FILE, schema);
    changed.push('config.schema.json');
  }
  const events = JSON.stringify(findingEventsJsonSchema(), null, 2) + '\n';
  if (!existsSync(EVENTS_SCHEMA_FILE) || readFileSync(EVENTS_SCHEMA_FILE, 'utf8') !== events) {
    writeFileSync(EVENTS_SCHEMA_FILE, events);
    changed.push('docs/finding-events.schema.json');
  }
  return changed;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const changed = writeDocs();
  process.stdout.write(changed.length ? `updated ${changed.join(', ')}\n` : 'docs are current\n');
}
