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
    /** Check ids expected to fail (or error) on this scenario; the end-to-end tests assert exactly these. */
    expect: z
      .object({ failing: z.array(z.string()).default([]), erroring: z.array(z.string()).default([]) })
      .strict()
      .default({ failing: [], erroring: [] }),
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
