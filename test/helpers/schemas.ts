import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import ajvDraft04 from 'ajv-draft-04';
import { validateXML } from 'xmllint-wasm';

/**
 * Validators of the standard output formats against their published schemas, vendored in
 * test/fixtures/schemas (sources and commits in its README.md): SARIF 2.1.0 (OASIS JSON Schema, draft-04),
 * JUnit XML (the Jenkins xunit plugin's XSD, checked by libxml2's xmllint compiled to WebAssembly), OCSF
 * 1.5.0 Detection Finding (JSON Schema built here from the OCSF project's compiled schema export), ASFF
 * (JSON Schema built here from the Security Hub service model of botocore).
 */

const DIR = join(import.meta.dirname, '../fixtures/schemas');
const readJson = (file: string): unknown => JSON.parse(readFileSync(join(DIR, file), 'utf8'));

type Schema = Record<string, unknown>;

/** Errors as readable lines (empty when valid). */
function problems(validate: ValidateFunction, value: unknown): string[] {
  if (validate(value)) return [];
  return (validate.errors ?? []).map(
    (e: ErrorObject) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
  );
}

// ---------------------------------------------------------------- SARIF

let sarif: ValidateFunction | undefined;

/** Problems of a SARIF log against the OASIS SARIF 2.1.0 schema (errata 01). */
export function sarifProblems(log: unknown): string[] {
  if (!sarif) {
    // The schema uses `format: uri` / `date-time`: ajv-draft-04 checks formats it knows only when told to.
    // A CommonJS module: its `default` is the draft-04 Ajv class (under NodeNext typing and at run time).
    const ajv = new ajvDraft04.default({ allErrors: true, strict: false, validateFormats: false });
    sarif = ajv.compile(readJson('sarif-schema-2.1.0.json') as Schema);
  }
  return problems(sarif, log);
}

// ---------------------------------------------------------------- JUnit

/** Problems of a JUnit XML document against the Jenkins xunit plugin's junit-10.xsd (libxml2). */
export async function junitProblems(xml: string): Promise<string[]> {
  const result = await validateXML({
    xml: [{ fileName: 'junit.xml', contents: xml }],
    schema: [{ fileName: 'junit-10.xsd', contents: readFileSync(join(DIR, 'junit-10.xsd'), 'utf8') }],
  });
  return result.valid ? [] : result.errors.map((e) => e.rawMessage);
}

// ---------------------------------------------------------------- OCSF

interface OcsfAttribute {
  type: string;
  requirement: 'required' | 'recommended' | 'optional';
  is_array: boolean;
  enum?: Record<string, unknown> | null;
  profile?: string | null;
  object_type?: string | null;
}
interface OcsfRecord {
  name: string;
  attributes: Record<string, OcsfAttribute>;
  constraints?: { at_least_one?: string[]; just_one?: string[] } | null;
}
interface OcsfType {
  type?: string | null;
  regex?: string | null;
  range?: [number, number] | null;
  max_len?: number | null;
}
interface OcsfSubset {
  version: string;
  classes: Record<string, OcsfRecord>;
  objects: Record<string, OcsfRecord>;
  types: Record<string, OcsfType>;
}

/** `$defs` key of an object: extension objects (`win/reg_key`) as the OCSF server names them (`win_reg_key`). */
const defName = (object: string): string => object.replace(/\//g, '_');

const OCSF_BASE: Record<string, Schema> = {
  string_t: { type: 'string' },
  bytestring_t: { type: 'string' },
  integer_t: { type: 'integer' },
  long_t: { type: 'integer' },
  float_t: { type: 'number' },
  boolean_t: { type: 'boolean' },
  json_t: {},
};

/**
 * JSON Schema (draft-07) of one OCSF class with some profiles applied, from the compiled schema export.
 * The mapping of OCSF types follows the OCSF server's generator (ocsf/ocsf-server lib/schema/json_schema.ex:
 * string-like types → string, timestamp_t/long_t → integer, float_t → number, object types → `$ref`,
 * integer enums → `enum`/`const`, `requirement: required` → `required`), and is stricter where the server's
 * is loose: arrays of scalars are arrays, the regex, range and max_len of the types apply, the `at_least_one`
 * and `just_one` constraints apply, attributes of profiles not applied are not allowed (nor required), and
 * no attribute outside the class or object is allowed (`unmapped` is the place for those).
 */
export function ocsfJsonSchema(subset: OcsfSubset, className: string, profiles: readonly string[]): Schema {
  const applied = new Set(profiles);
  const scalar = (type: string): Schema => {
    const t = subset.types[type];
    const base = OCSF_BASE[type] ?? (t?.type ? scalar(t.type) : undefined);
    if (!base) throw new Error(`unknown OCSF type ${type}`);
    return {
      ...base,
      ...(t?.regex ? { pattern: t.regex } : {}),
      ...(t?.max_len ? { maxLength: t.max_len } : {}),
      ...(t?.range ? { minimum: t.range[0], maximum: t.range[1] } : {}),
    };
  };
  const attribute = (a: OcsfAttribute): Schema => {
    let one: Schema;
    if (a.object_type)
      one = a.object_type === 'object' ? { type: 'object' } : { $ref: `#/$defs/${defName(a.object_type)}` };
    else {
      one = scalar(a.type);
      if (a.enum) {
        const values = Object.keys(a.enum).map((k) => (one.type === 'integer' ? Number(k) : k));
        one = { ...one, enum: values };
      }
    }
    return a.is_array ? { type: 'array', items: one } : one;
  };
  const record = (r: OcsfRecord): Schema => {
    const entries = Object.entries(r.attributes).filter(([, a]) => !a.profile || applied.has(a.profile));
    const names = new Set(entries.map(([n]) => n));
    const c = r.constraints ?? {};
    const present = (list: string[] = []) => list.filter((n) => names.has(n)).map((n) => ({ required: [n] }));
    return {
      type: 'object',
      properties: Object.fromEntries(entries.map(([n, a]) => [n, attribute(a)])),
      required: entries.filter(([, a]) => a.requirement === 'required').map(([n]) => n),
      additionalProperties: false,
      ...(c.at_least_one?.length ? { anyOf: present(c.at_least_one) } : {}),
      ...(c.just_one?.length ? { oneOf: present(c.just_one) } : {}),
    };
  };
  const cls = subset.classes[className];
  if (!cls) throw new Error(`no OCSF class ${className}`);
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: `https://schema.ocsf.io/${subset.version}/classes/${className}`,
    ...record(cls),
    $defs: Object.fromEntries(Object.entries(subset.objects).map(([n, o]) => [defName(n), record(o)])),
  };
}

const ocsfValidators = new Map<string, ValidateFunction>();

/** Problems of one OCSF Detection Finding event, for the profiles its metadata declares. */
export function ocsfProblems(event: { metadata?: { profiles?: string[] } }): string[] {
  const profiles = [...(event.metadata?.profiles ?? [])].sort();
  const key = profiles.join(',');
  let validate = ocsfValidators.get(key);
  if (!validate) {
    const subset = readJson('ocsf-1.5.0-detection_finding.json') as OcsfSubset;
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
    validate = ajv.compile(ocsfJsonSchema(subset, 'detection_finding', profiles));
    ocsfValidators.set(key, validate);
  }
  return problems(validate, event);
}

// ---------------------------------------------------------------- ASFF

interface BotoMember {
  shape: string;
  documentation?: string;
}
interface BotoShape {
  type: string;
  members?: Record<string, BotoMember>;
  required?: string[];
  member?: BotoMember;
  key?: BotoMember;
  value?: BotoMember;
  enum?: string[];
  pattern?: string;
  min?: number;
  max?: number;
}

/**
 * Limits that the Security Hub API reference states in a member's documentation but the model's shapes do
 * not carry (every string is a `NonEmptyString`): "Length Constraints: Minimum length of 1. Maximum length
 * of 256.", "Length Constraints: 12.", "Maximum number of 50 items.", "up to 50 key-value pairs ... key can
 * contain up to 128 characters, and the value can contain up to 2048 characters".
 */
export function documentedLimits(doc: string | undefined, type: string): Schema {
  if (!doc) return {};
  const text = doc.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
  const num = (re: RegExp) => {
    const m = re.exec(text);
    return m ? Number(m[1]) : undefined;
  };
  const out: Schema = {};
  if (type === 'string') {
    const exact = num(/Length Constraints: (\d+)\./);
    const min = exact ?? num(/Minimum (?:length )?of (\d+)/);
    const max = exact ?? num(/Maximum length of (\d+)/) ?? num(/Maximum of (\d+) length/);
    if (min !== undefined) out.minLength = min;
    if (max !== undefined) out.maxLength = max;
  }
  if (type === 'list') {
    const items = num(/Maximum number of (\d+) items/);
    if (items !== undefined) out.maxItems = items;
  }
  if (type === 'map') {
    const pairs = num(/up to (\d+) key-value pairs/);
    if (pairs !== undefined) out.maxProperties = pairs;
    const key = num(/key can contain up to (\d+) characters/);
    const value = num(/value can contain up to (\d+) characters/);
    if (key !== undefined) out.propertyNames = { maxLength: key };
    if (value !== undefined) out.__valueMax = value;
  }
  return out;
}

/** JSON Schema (draft-07) of a shape of a botocore service model, with documented limits. */
export function botocoreJsonSchema(model: { shapes: Record<string, BotoShape> }, root: string): Schema {
  const shapeSchema = (name: string): Schema => {
    const s = model.shapes[name];
    if (!s) throw new Error(`no shape ${name}`);
    switch (s.type) {
      case 'structure':
        return {
          type: 'object',
          properties: Object.fromEntries(
            Object.entries(s.members ?? {}).map(([n, m]) => [n, use(m, model.shapes[m.shape]?.type ?? '')]),
          ),
          ...(s.required?.length ? { required: s.required } : {}),
          additionalProperties: false,
        };
      case 'list':
        return {
          type: 'array',
          items: use(s.member!, ''),
          ...(s.min !== undefined ? { minItems: s.min } : {}),
          ...(s.max !== undefined ? { maxItems: s.max } : {}),
        };
      case 'map':
        return { type: 'object', propertyNames: use(s.key!, ''), additionalProperties: use(s.value!, '') };
      case 'string':
        return {
          type: 'string',
          ...(s.enum ? { enum: s.enum } : {}),
          ...(s.pattern ? { pattern: s.pattern } : {}),
          ...(s.min !== undefined ? { minLength: s.min } : {}),
          ...(s.max !== undefined ? { maxLength: s.max } : {}),
        };
      case 'integer':
      case 'long':
        return {
          type: 'integer',
          ...(s.min !== undefined ? { minimum: s.min } : {}),
          ...(s.max !== undefined ? { maximum: s.max } : {}),
        };
      case 'double':
      case 'float':
        return { type: 'number' };
      case 'boolean':
        return { type: 'boolean' };
      case 'timestamp':
      case 'blob':
        return { type: 'string' };
      default:
        throw new Error(`shape ${name}: unsupported type ${s.type}`);
    }
  };
  const use = (m: BotoMember, type: string): Schema => {
    const { __valueMax, ...limits } = documentedLimits(m.documentation, type);
    const ref = { $ref: `#/definitions/${m.shape}` };
    const extra: Schema = { ...limits };
    if (typeof __valueMax === 'number') extra.additionalProperties = { maxLength: __valueMax };
    return Object.keys(extra).length ? { allOf: [ref, extra] } : ref;
  };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $ref: `#/definitions/${root}`,
    definitions: Object.fromEntries(Object.keys(model.shapes).map((n) => [n, shapeSchema(n)])),
  };
}

let asff: ValidateFunction | undefined;

/** Problems of a `BatchImportFindings` request body (`{ Findings: [...] }`) against the Security Hub model. */
export function asffProblems(request: unknown): string[] {
  if (!asff) {
    const model = readJson('securityhub-2018-10-26-batch-import-findings.json') as {
      shapes: Record<string, BotoShape>;
    };
    const ajv = new Ajv({ allErrors: true, strict: false });
    asff = ajv.compile(botocoreJsonSchema(model, 'BatchImportFindingsRequest'));
  }
  return problems(asff, request);
}
