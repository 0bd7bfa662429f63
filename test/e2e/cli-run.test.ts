import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../../lambdas/audit/runner.js';
import { startSim, type Sim } from '../../sim/index.js';

/** `coder-audit run` as a user runs it: a configuration file, a separate process, real clients over HTTP. */
const run = promisify(execFile);
const CLI = join(import.meta.dirname, '../../bin/coder-audit.mjs');
let sim: Sim;
let config: string;

beforeAll(async () => {
  sim = await startSim({ scenario: 'db-sg-missing-5432' });
  config = join(mkdtempSync(join(tmpdir(), 'cli-run-')), 'coder-audit.yaml');
  writeFileSync(config, stringify({ deployments: [sim.deployment] }));
});
afterAll(() => sim?.stop());

async function cli(...args: string[]) {
  try {
    const r = await run(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: '1' } });
    return { code: 0, ...r };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('CLI: coder-audit run against the simulated deployment', () => {
  it('prints the documented JSON report and exits 1 on a failure at the default --fail-on high', async () => {
    const r = await cli('run', '--config', config, '--format', 'json', '--quiet');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as AuditReport;
    expect(Object.keys(report).sort()).toEqual([
      'calls',
      'deployment',
      'findings',
      'finishedAt',
      'rootCauses',
      'startedAt',
      'summary',
    ]);
    const failing = report.findings.filter((f) => f.status === 'fail').map((f) => f.checkId);
    expect(failing).toEqual(['db-sg-allows-nodes']);
    expect(report.rootCauses).toEqual([
      expect.objectContaining({ checkId: 'db-sg-allows-nodes', reason: 'no-ingress', symptoms: [] }),
    ]);
    expect(report.calls.duplicates).toEqual([]);
    expect(r.stderr).toBe('');
  });

  it('exits 0 when nothing reaches --fail-on, and reports progress on stderr', async () => {
    const r = await cli(
      'run',
      '--config',
      config,
      '--only',
      'nlb-targets-healthy,db-sg-allows-nodes',
      '--fail-on',
      'critical',
      '--format',
      'markdown',
    );
    // The missing rule is a high finding: below --fail-on critical, at --fail-on high.
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('aws ec2 authorize-security-group-ingress --group-id sg-0db0000000000001a');
    expect(r.stderr).toMatch(/infra: \d+ findings/);
    const high = await cli(
      'run',
      '--config',
      config,
      '--only',
      'db-sg-allows-nodes',
      '--fail-on',
      'high',
      '-q',
    );
    expect(high.code).toBe(1);
    const ok = await cli('run', '--config', config, '--only', 'nlb-targets-healthy', '--quiet');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('No problems found.');
  });

  it('Noncompliance: TLS verification turned off is a warning line (even with --quiet) and a medium finding', async () => {
    const insecure = join(mkdtempSync(join(tmpdir(), 'cli-tls-')), 'coder-audit.yaml');
    const d = { ...sim.deployment, coder: { ...sim.deployment.coder!, insecureTls: true } };
    writeFileSync(insecure, stringify({ deployments: [d] }));
    const r = await cli('run', '-c', insecure, '--only', 'coder-healthz', '--quiet', '--fail-on', 'critical');
    expect(r.stderr).toMatch(
      /^Warning: TLS verification of https:\/\/127\.0\.0\.1:\d+ and the OIDC issuer is OFF \(coder\.insecureTls\)\.$/m,
    );
    expect(r.stdout).toMatch(/^! Warning: TLS verification of .* is OFF/m);
    // A root cause of its own (it explains nothing), at medium, with its reason.
    expect(r.stdout).toMatch(
      /^MEDIUM {2}root cause 1 of 1 {2}coder-healthz\/tls-off: .*\n\s+FAIL\s+coder-healthz\s+TLS verification is off for the Coder URL and the OIDC issuer$/m,
    );
    expect(r.code).toBe(0);
  });

  it('rejects an unknown deployment with exit 2', async () => {
    const r = await cli('run', '--config', config, '--deployment', 'nope');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('deployment "nope" is not in');
  });
});

describe('CLI: coder-audit run without usable AWS credentials', () => {
  it('says so once, lists the checks that could not run under that one cause, and exits 1', async () => {
    const { credentials: _dropped, ...aws } = sim.deployment.aws;
    const noCreds = join(mkdtempSync(join(tmpdir(), 'cli-nocreds-')), 'coder-audit.yaml');
    writeFileSync(noCreds, stringify({ deployments: [{ ...sim.deployment, aws }] }));
    const home = mkdtempSync(join(tmpdir(), 'cli-home-'));
    // An empty default chain: no environment keys, no profile files, no instance metadata.
    const env = {
      PATH: process.env.PATH,
      HOME: home,
      NO_COLOR: '1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: join(home, 'none'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
    };
    const r = await run(process.execPath, [CLI, 'run', '-c', noCreds, '--quiet'], { env }).catch(
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(r).toMatchObject({ code: 1 });
    expect(r.stdout).toMatch(/^! No usable AWS credentials for deployment sim \(CredentialsProviderError/m);
    expect(r.stdout).toMatch(/^COULD NOT RUN \(\d+ checks\)$/m);
    // The error text stands once per distinct cause, not once per check.
    const repeats = r.stdout.split('Could not load credentials from any providers').length - 1;
    expect(repeats).toBeGreaterThanOrEqual(2);
    expect(repeats).toBeLessThanOrEqual(3);
    expect(r.stdout).not.toMatch(/^\s+at /m);

    const json = await run(process.execPath, [CLI, 'run', '-c', noCreds, '-q', '--format', 'json'], {
      env,
    }).catch((e: { stdout: string }) => e);
    const report = JSON.parse(json.stdout) as AuditReport;
    expect(report.notices).toHaveLength(1);
    expect(report.findings.filter((f) => f.group === 'infra').every((f) => f.status === 'error')).toBe(true);
  });
});
