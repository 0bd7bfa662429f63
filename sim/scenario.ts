import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../lambdas/audit/errors.js';
import { formatIssues } from '../lambdas/audit/config.js';
import { FaultSchema } from './faults.js';

export const SCENARIO_DIR = join(dirname(fileURLToPath(import.meta.url)), 'scenarios');

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

function loadRaw(path: string, stack: string[]): Json {
  if (stack.includes(path))
    throw new ConfigError(`scenario extends itself: ${[...stack, path].join(' -> ')}`);
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read scenario ${path}: ${(err as Error).message}`);
  }
  if (!isPlain(doc)) throw new ConfigError(`scenario ${path} must be a YAML mapping`);
  const parents = doc.extends === undefined ? [] : Array.isArray(doc.extends) ? doc.extends : [doc.extends];
  let merged: Json = {};
  for (const parent of parents) {
    const raw = loadRaw(resolveScenarioPath(String(parent), dirname(path)), [...stack, path]);
    // A child inherits its parents' state and faults, not their expectations or description.
    delete raw.expect;
    delete raw.description;
    const faults = [...((merged.faults as unknown[]) ?? []), ...((raw.faults as unknown[]) ?? [])];
    merged = deepMerge(merged, raw) as Json;
    if (faults.length) merged.faults = faults;
  }
  const { extends: _e, ...own } = doc;
  const faults = [...((merged.faults as unknown[]) ?? []), ...((own.faults as unknown[]) ?? [])];
  merged = deepMerge(merged, own) as Json;
  if (faults.length) merged.faults = faults;
  return merged;
}

/** Load a scenario by name (sim/scenarios/NAME.yaml) or path, resolving `extends`. */
export function loadScenario(ref: string): Scenario {
  const path = resolveScenarioPath(ref, process.cwd());
  const raw = loadRaw(path, []);
  const parsed = ScenarioSchema.safeParse(raw);
  if (!parsed.success)
    throw new ConfigError(`invalid scenario ${path}:\n${formatIssues(parsed.error.issues)}`);
  return { ...parsed.data, name: basename(path).replace(/\.ya?ml$/, '') };
}
