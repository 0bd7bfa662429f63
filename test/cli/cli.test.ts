import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../cli/output.js';
import type { Finding } from '../../lambdas/audit/model.js';
import type { AuditReport } from '../../lambdas/audit/runner.js';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '../../bin/coder-audit.mjs');
const dir = mkdtempSync(join(tmpdir(), 'cli-'));

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: '1' } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('CLI: coder-audit', () => {
  it('exits 2 with a field-naming message and no stack trace on an invalid configuration', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      'deployments:\n  - id: prod\n    aws: { region: us-east-1 }\n    eks: { clusterName: coder-prod, nodegroups: [] }\n',
    );
    const r = await cli('run', '--config', file);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('deployments[0].eks.nodegroups: list at least one node group');
    expect(r.stderr).toContain('deployments[0].aurora: is required');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 on usage errors', async () => {
    expect((await cli('run')).code).toBe(2);
    expect((await cli('run', '--config', 'x.yaml', '--fail-on', 'urgent')).code).toBe(2);
    expect((await cli('run', '--config', 'x.yaml', '--only', 'no-such-check')).code).toBe(2);
    expect((await cli('bogus')).code).toBe(2);
  });

  it('prints the JSON Schema', async () => {
    const r = await cli('schema');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveProperty('properties.deployments');
  });
});

describe('Function: exitCodeFor', () => {
  const report = (findings: Partial<Finding>[]) => ({ findings }) as unknown as AuditReport;
  it('is 0 when nothing fails at or above the threshold', () => {
    expect(
      exitCodeFor(
        [
          report([
            { status: 'fail', severity: 'medium' },
            { status: 'pass', severity: 'critical' },
          ]),
        ],
        'high',
      ),
    ).toBe(0);
  });
  it('is 1 when a failure or an error is at or above the threshold', () => {
    expect(exitCodeFor([report([{ status: 'fail', severity: 'high' }])], 'high')).toBe(1);
    expect(exitCodeFor([report([{ status: 'error', severity: 'critical' }])], 'high')).toBe(1);
  });
  it('does not count muted findings: an accepted risk must not fail --fail-on', () => {
    const muted = { until: '2026-12-31', by: 'data-team', because: 'nightly ETL' };
    expect(exitCodeFor([report([{ status: 'fail', severity: 'critical', muted }])], 'high')).toBe(0);
    expect(
      exitCodeFor(
        [
          report([
            { status: 'fail', severity: 'critical', muted },
            { status: 'fail', severity: 'high' },
          ]),
        ],
        'high',
      ),
    ).toBe(1);
  });
});
