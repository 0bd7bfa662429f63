import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package root (the folder of coder-auditor's package.json), from this file in the source tree
 * (`lib/`) or from a bundle under `dist/`: files such as the ASL and the Lambda bundles are found from it.
 */
export function packageRoot(from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'statemachines'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`coder-auditor: package root not found above ${fileURLToPath(from)}`);
    dir = up;
  }
}

/** The workflow definition (JSONPath ASL with `${...}` substitutions). */
export const ASL_PATH = join(packageRoot(), 'statemachines', 'audit.asl.json');

/** The Lambda functions of the auditor, one per check group plus aggregate and notify. */
export const FUNCTION_ROLES = ['infra', 'cluster', 'database', 'coder', 'aggregate', 'notify'] as const;
export type FunctionRole = (typeof FUNCTION_ROLES)[number];

/** Folder of one function's prebuilt bundle (`npm run build`): `index.mjs` and its source map. */
export function lambdaAssetDir(role: FunctionRole): string {
  return join(packageRoot(), 'dist', 'lambdas', role);
}
