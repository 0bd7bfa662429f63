import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Check } from '../../lambdas/audit/check.js';
import { GROUPS, allChecks } from '../../lambdas/checks/index.js';
import { GROUP_META, allMeta } from '../../lambdas/checks/meta.js';

const CHECKS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../lambdas/checks');

/**
 * Files of a group folder that are not checks: the group itself, its collector, and named helpers
 * (`<group>/<file>`). Add a helper here when you add one; every other file must be a check.
 */
const NOT_CHECKS = new Set([
  'index.ts',
  'collector.ts',
  'meta.ts',
  'reads.ts',
  'clients.ts',
  'infra/changes.ts',
  'infra/ebs.ts',
  'infra/ip-permissions.ts',
  'infra/nat.ts',
  'infra/pages.ts',
  'infra/quotas.ts',
  'cluster/limits.ts',
  'cluster/config-remediation.ts',
  'cluster/log-patterns.ts',
  'cluster/pending-remediation.ts',
  'cluster/pods.ts',
  'cluster/quantity.ts',
  'cluster/scheduling.ts',
  'coder/agents.ts',
  'coder/build-errors.ts',
  'coder/lib.ts',
  'coder/roles.ts',
  'coder/queue.ts',
  'coder/template-imports.ts',
  'coder/workload-access.ts',
  'coder/workloads.ts',
  'database/collect.ts',
  'database/lib.ts',
  'database/snapshot.ts',
]);

function checkFiles(group: string): string[] {
  return readdirSync(join(CHECKS_DIR, group))
    .filter((f) => f.endsWith('.ts') && !NOT_CHECKS.has(f) && !NOT_CHECKS.has(`${group}/${f}`))
    .sort();
}

describe('Registry: check groups', () => {
  it.each(GROUPS.map((g) => [g.id, g] as const))(
    'group %s: one file per check, file name = id',
    async (id, group) => {
      const files = checkFiles(id);
      const modules = await Promise.all(
        files.map(async (f) => {
          const mod = (await import(pathToFileURL(join(CHECKS_DIR, id, f)).href)) as {
            default?: Check<unknown>;
          };
          return { file: basename(f, '.ts'), check: mod.default };
        }),
      );
      for (const { file, check } of modules) {
        expect(
          check?.meta,
          `${id}/${file}.ts must default-export a check (or be listed in NOT_CHECKS)`,
        ).toBeDefined();
        expect(check?.meta.id, `${id}/${file}.ts`).toBe(file);
        expect(check?.meta.group, `${id}/${file}.ts`).toBe(id);
        expect(group.checks, `${id}/${file}.ts is not registered in ${id}/index.ts`).toContain(check);
      }
      expect(group.checks.map((c) => c.meta.id).sort()).toEqual(files.map((f) => basename(f, '.ts')));
    },
  );

  it.each(GROUPS.map((g) => [g.id, g] as const))(
    'group %s: registers the checks of its meta.ts, in its order, each with its metadata object',
    (id, group) => {
      const metas = GROUP_META[id];
      expect(group.checks.map((c) => c.meta.id)).toEqual(Object.keys(metas));
      for (const c of group.checks)
        expect(c.meta, c.meta.id).toBe((metas as Record<string, unknown>)[c.meta.id]);
    },
  );

  it('every check declares at least one reason, each with a message and a severity', () => {
    for (const m of allMeta()) {
      const reasons = Object.entries(m.reasons);
      expect(reasons.length, m.id).toBeGreaterThan(0);
      for (const [code, r] of reasons) {
        expect(code, `${m.id}/${code}`).toMatch(/^([a-z0-9]+(-[a-z0-9]+)*|E[A-Z]+\d*[A-Z]*\d*)$/);
        expect(r.message.length, `${m.id}/${code}`).toBeGreaterThan(10);
        expect(r.message.endsWith('.'), `${m.id}/${code}`).toBe(true);
      }
    }
  });

  it('check ids are unique across groups', () => {
    const ids = allChecks().map((c) => c.meta.id);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });
});
