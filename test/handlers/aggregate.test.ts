import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import type { AggregatedAudit } from '../../lambdas/audit/aggregate.js';
import { CATALOGUE } from '../../lambdas/checks/catalogue.js';
import { makeAggregateHandler } from '../../lambdas/handlers/aggregate.js';
import { HANDLER_ENTRIES, LAMBDA_BUILD_OPTIONS } from '../../scripts/build.mjs';
import { localTelemetry } from '../../lambdas/handlers/telemetry.js';
import type { RunOutcome } from '../../lambdas/store/findings-store.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

describe('Function: makeAggregateHandler', () => {
  const recordFailedGroup = async (catalogue?: Parameters<typeof makeAggregateHandler>[0]['catalogue']) => {
    const recorded: AggregatedAudit[] = [];
    const handler = makeAggregateHandler({
      telemetry: localTelemetry(),
      ...(catalogue ? { catalogue } : {}),
      results: { get: async () => [] },
      store: {
        saveAlert: async () => undefined,
        recordRun: async (audit): Promise<RunOutcome> => {
          recorded.push(audit);
          return {
            deployment: audit.deployment,
            executionId: audit.executionId,
            replay: false,
            notified: false,
            changes: { opened: [], escalated: [], resolved: [], failingGroups: [], causes: [] },
          };
        },
      },
    });
    await handler({
      deployment: 'prod',
      executionId: 'exec-1',
      startedAt: '2025-01-01T00:00:00.000Z',
      results: [{ deployment: 'prod', group: 'database', findings: [], ms: 5, error: 'Task timed out' }],
    });
    return recorded[0];
  };

  it('Compliance: a group that failed as a whole becomes one error finding per catalogued check', async () => {
    const audit = await recordFailedGroup();
    const ids = (CATALOGUE.database ?? []).map((c) => c.id);
    expect(ids.length).toBeGreaterThan(0);
    expect(audit?.findings.map((f) => f.checkId).sort()).toEqual([...ids].sort());
    expect(audit?.findings.every((f) => f.status === 'error' && f.detail.includes('Task timed out'))).toBe(
      true,
    );
    expect(audit?.groupErrors).toEqual({ database: 'Task timed out' });
  });

  it('Noncompliance 1: with a catalogue that lacks the group, it becomes one placeholder finding', async () => {
    const audit = await recordFailedGroup({});
    expect(audit?.findings.map((f) => f.checkId)).toEqual(['database-group']);
  });
});

describe('Bundle: aggregate and notify Lambdas', () => {
  it.each(['aggregate', 'notify'] as const)(
    '%s bundles no check code, collector, client of the audited deployment or config schema',
    async (role) => {
      // The construct's own esbuild options: `module` entry points first resolve other files than `main`.
      const out = await build({
        ...LAMBDA_BUILD_OPTIONS,
        entryPoints: [join(ROOT, HANDLER_ENTRIES[role])],
        minify: false,
        sourcemap: false,
        write: false,
        metafile: true,
        logLevel: 'silent',
      });
      const inputs = Object.keys(out.metafile.inputs).map((p) => relative(ROOT, join(process.cwd(), p)));
      // Data and pure helpers only: the checks' metadata, the catalogue, the causal graph and the fix
      // reconciliation of the diagnosis (no check, no collector).
      const allowed =
        /^lambdas\/checks\/((catalogue|meta|causes|remediations|nodegroup-sizing)|[a-z]+\/meta|infra\/quotas)\.ts$/;
      const checkCode = inputs.filter((p) => p.startsWith('lambdas/checks/') && !allowed.test(p));
      expect(checkCode).toEqual([]);
      expect(inputs.filter((p) => p.startsWith('lambdas/clients/'))).toEqual([]);
      const heavy = /@aws-sdk\/client-(eks|ec2|rds)\/|@kubernetes|node_modules\/(pg|zod|yaml)\//;
      expect(inputs.filter((p) => heavy.test(p))).toEqual([]);
      expect(inputs).toContain('lambdas/checks/catalogue.ts');
      expect(out.outputFiles[0]!.text.startsWith(LAMBDA_BUILD_OPTIONS.banner.js)).toBe(true);
    },
    60_000,
  );
});
