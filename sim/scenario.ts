import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../lambdas/audit/errors.js';
import { formatIssues } from '../lambdas/audit/config.js';
import { FaultSchema } from './faults.js';

import { SCENARIO_DIR } from './paths.js';

export { SCENARIO_DIR };

/**
 * A scenario: the whole state of a simulated deployment. Each service section is validated by the
 * service's own schema when its server starts; here they are opaque.
 */
export const ScenarioSchema = z
  .object({
    description: z.string().default(''),
    /** Scenarios this one starts from, merged in order (names in sim/scenarios, or paths). */
    extends: z.union([z.string(), z.array(z.string())]).optional(),
    /** Overrides of the deployment configuration the sim hands to the audit. */
    deployment: z.record(z.string(), z.unknown()).default({}),
    aws: z.record(z.string(), z.unknown()).default({}),
    /**
     * Other AWS accounts the sim holds (a deployment audited through a role in another account), keyed by
     * account id: each account's `aws:` changes a copy of the sim account's state (`null` deletes).
     */
    accounts: z
      .record(
        z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'),
        z.object({ aws: z.record(z.string(), z.unknown()).default({}) }).strict(),
      )
      .default({}),
    kubernetes: z.record(z.string(), z.unknown()).default({}),
    postgres: z.record(z.string(), z.unknown()).default({}),
    coder: z.record(z.string(), z.unknown()).default({}),
    faults: z.array(FaultSchema).default([]),
    /**
     * Check ids expected to fail, error or be skipped (not applicable, or unreadable with the token's role)
     * on this scenario; the end-to-end tests assert exactly these.
     */
    expect: z
      .object({
        failing: z.array(z.string()).default([]),
        erroring: z.array(z.string()).default([]),
        /** Checks with a `skipped` result (not applicable, or the token's role cannot read their facts). */
        skipped: z.array(z.string()).default([]),
        /**
         * The root causes of the report, exactly: `<check>/<reason>` of each cause → the `<check>/<reason>`
         * of its symptoms (a set: findings with the same check and reason count once; `[]` for none).
         * Every shipped scenario states it (`{}` when nothing fails).
         */
        rootCauses: z.record(z.string(), z.array(z.string())).optional(),
      })
      .strict()
      .default({ failing: [], erroring: [], skipped: [] }),
  })
  .strict();
export type Scenario = z.output<typeof ScenarioSchema> & { name: string };

type Json = Record<string, unknown>;

/**
 * Deep merge: objects merge key by key, arrays and scalars replace, `null` deletes the key.
 * Maps keyed by resource id (not arrays) let a scenario change one resource of its base.
 */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (!isPlain(base) || !isPlain(over)) return over;
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === null) delete out[k];
    else out[k] = deepMerge(out[k], v);
  }
  return out;
}

function isPlain(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Names of the scenarios shipped in sim/scenarios. */
export function listScenarios(): string[] {
  return readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => basename(f, '.yaml'))
    .sort();
}

function resolveScenarioPath(ref: string, from: string): string {
  if (ref.endsWith('.yaml') || ref.endsWith('.yml') || ref.includes('/')) {
    const p = isAbsolute(ref) ? ref : resolve(from, ref);
    if (existsSync(p)) return p;
    const inDir = join(SCENARIO_DIR, ref.endsWith('.yaml') ? ref : `${ref}.yaml`);
    if (existsSync(inDir)) return inDir;
    throw new ConfigError(`scenario file not found: ${ref}`);
  }
  const p = join(SCENARIO_DIR, `${ref}.yaml`);
  if (!existsSync(p)) {
    throw new ConfigError(`unknown scenario "${ref}"; available: ${listScenarios().join(', ')}`);
  }
  return p;
}

function readDoc(path: string): Json {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read scenario ${path}: ${(err as Error).message}`);
  }
  if (!isPlain(doc)) throw new ConfigError(`scenario ${path} must be a YAML mapping`);
  return doc;
}

/**
 * Order the scenario files a scenario is built from: every parent before its children, each file once
 * (depth first, in `extends` order). `healthy` reached through several parents is applied once, first.
 */
function linearize(path: string, stack: string[], order: Map<string, Json>): void {
  if (stack.includes(path))
    throw new ConfigError(`scenario extends itself: ${[...stack, path].join(' -> ')}`);
  if (order.has(path)) return;
  const doc = readDoc(path);
  const parents = doc.extends === undefined ? [] : Array.isArray(doc.extends) ? doc.extends : [doc.extends];
  for (const parent of parents)
    linearize(resolveScenarioPath(String(parent), dirname(path)), [...stack, path], order);
  order.set(path, doc);
}

/**
 * Resolve `extends`: apply each file's own changes in linear order, so that a combination of scenarios
 * (`extends: [healthy, a, b]`) is healthy plus the changes of a plus the changes of b, deletions included.
 * Faults accumulate; the description and expectations are the scenario's own.
 */
function loadRaw(path: string): Json {
  const order = new Map<string, Json>();
  linearize(path, [], order);
  let merged: Json = {};
  let faults: unknown[] = [];
  for (const [file, doc] of order) {
    const { extends: _e, expect, description, faults: own, ...state } = doc;
    merged = deepMerge(merged, state) as Json;
    faults = [...faults, ...((own as unknown[] | undefined) ?? [])];
    if (file === path) {
      if (expect !== undefined) merged.expect = expect;
      if (description !== undefined) merged.description = description;
    }
  }
  if (faults.length) merged.faults = faults;
  return merged;
}

/** Load a scenario by name (sim/scenarios/NAME.yaml) or path, resolving `extends`. */
export function loadScenario(ref: string): Scenario {
  const path = resolveScenarioPath(ref, process.cwd());
  const raw = loadRaw(path);
  const parsed = ScenarioSchema.safeParse(raw);
  if (!parsed.success)
    throw new ConfigError(`invalid scenario ${path}:\n${formatIssues(parsed.error.issues)}`);
  return { ...parsed.data, name: basename(path).replace(/\.ya?ml$/, '') };
}

/**
 * `<check>/<reason>` of a finding: how scenarios name causes and symptoms; `<check>/skipped:<reason>` of a
 * `skipped` finding a cause left unchecked (e.g. `provisioner-daemons/skipped:role-gap`).
 */
export const causeKey = (f: { checkId: string; status?: string; reason?: string }): string =>
  `${f.checkId}/${f.status === 'skipped' ? 'skipped:' : ''}${f.reason ?? '?'}`;

/**
 * A report's root causes in the form of `expect.rootCauses`: `<check>/<reason>` of each cause → the sorted
 * set of `<check>/<reason>` of its symptoms and of the skipped findings it left unchecked; keys sorted.
 */
export function rootCauseMap(report: {
  findings: readonly { fingerprint: string; checkId: string; status?: string; reason?: string }[];
  rootCauses?: readonly {
    fingerprint: string;
    symptoms: readonly string[];
    unchecked?: readonly string[];
  }[];
}): Record<string, string[]> {
  const byFp = new Map(report.findings.map((f) => [f.fingerprint, f]));
  const map = new Map<string, Set<string>>();
  for (const rc of report.rootCauses ?? []) {
    const key = causeKey(byFp.get(rc.fingerprint) ?? { checkId: '?' });
    const set = map.get(key) ?? new Set<string>();
    for (const s of [...rc.symptoms, ...(rc.unchecked ?? [])])
      set.add(causeKey(byFp.get(s) ?? { checkId: '?' }));
    map.set(key, set);
  }
  return Object.fromEntries(
    [...map].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, [...v].sort()]),
  );
}
