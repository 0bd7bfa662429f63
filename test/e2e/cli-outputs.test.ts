import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../../lambdas/audit/runner.js';
import { startSim, type Sim } from '../../sim/index.js';
import { asffProblems, junitProblems, ocsfProblems, sarifProblems } from '../helpers/schemas.js';

/**
 * `coder-audit run` with mutes and overrides in its configuration and every standard output written to
 * files, as a user runs it: a separate process against the simulated deployment (scenario `demo`: the
 * Aurora security group root cause and its symptoms, a long-running query, an expired provisioner key...).
 */
const run = promisify(execFile);
const CLI = join(import.meta.dirname, '../../bin/coder-audit.mjs');
let sim: Sim;
let dir: string;
let config: string;
let bare: string;

const RULES = {
  mutes: [
    {
      check: 'db-long-running-queries',
      resource: '*/coder',
      reason: 'nightly ETL runs 20 minutes',
      owner: 'data-team@example.com',
      expires: '2099-12-31',
    },
    {
      check: 'provisioner-key-age',
      reason: 'rotation planned',
      owner: 'platform',
      expires: '2020-01-31',
    },
    { check: 'db-size', reason: 'big on purpose', owner: 'dba', expires: '2099-01-01' },
    // By reason code: the refused connections in the logs (a symptom of the security group), not the
    // other log patterns; and a coderd-ready mute for a reason the demo does not have, which mutes nothing.
    {
      check: 'log-error-patterns',
      reasons: ['database-connection-refused'],
      reason: 'known until the security group change lands',
      owner: 'platform',
      expires: '2099-06-30',
    },
    {
      check: 'coderd-ready',
      reasons: ['oom-killed'],
      reason: 'memory limit raised next sprint',
      owner: 'platform',
      expires: '2099-06-30',
    },
  ],
  overrides: [
    { check: 'oidc-config', disabled: true, reason: 'OIDC is checked by the identity team' },
    { check: 'nodegroup-capacity', severity: 'low', reason: 'workspaces may queue at night' },
  ],
};

beforeAll(async () => {
  sim = await startSim({ scenario: 'demo' });
  dir = mkdtempSync(join(tmpdir(), 'cli-outputs-'));
  config = join(dir, 'coder-audit.yaml');
  writeFileSync(config, stringify({ deployments: [sim.deployment], ...RULES }));
  bare = join(dir, 'bare.yaml');
  writeFileSync(bare, stringify({ deployments: [sim.deployment] }));
});
afterAll(() => sim?.stop());

async function cli(...args: string[]) {
  try {
    const r = await run(process.execPath, [CLI, ...args], {
      env: { ...process.env, NO_COLOR: '1' },
      cwd: dir,
      maxBuffer: 20 * 1024 * 1024,
    });
    return { code: 0, ...r };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const read = (file: string) => readFileSync(join(dir, file), 'utf8');

describe('CLI: coder-audit run with mutes, overrides and standard outputs', () => {
  it('writes SARIF, JUnit, OCSF, ASFF and HTML files that their schemas accept, and prints the table', async () => {
    const r = await cli(
      'run',
      '-c',
      config,
      '-q',
      '-o',
      'sarif=out.sarif',
      '-o',
      'junit=junit.xml',
      '--output',
      'ocsf=ocsf.json',
      '--output',
      'asff=asff.json',
      '--output',
      'html=report.html',
    );
    expect(r.code).toBe(1); // coderd-ready is critical, not muted
    expect(r.stdout).toMatch(/^coder-audit: deployment sim/);
    expect(r.stderr).toBe('');

    const sarif = JSON.parse(read('out.sarif')) as {
      runs: Array<{ results: Array<{ ruleId: string; locations: unknown[]; suppressions?: unknown[] }> }>;
    };
    expect(sarifProblems(sarif)).toEqual([]);
    const results = sarif.runs[0]!.results;
    expect(results.find((x) => x.ruleId === 'db-long-running-queries')?.suppressions).toHaveLength(1);
    // Code scanning needs a file: results point at the configuration, on the deployment's line.
    expect(results[0]!.locations[0]).toMatchObject({
      physicalLocation: { artifactLocation: { uri: 'coder-audit.yaml' }, region: { startLine: 2 } },
    });
    expect(await junitProblems(read('junit.xml'))).toEqual([]);
    const events = JSON.parse(read('ocsf.json')) as Array<{ metadata: { profiles: string[] } }>;
    expect(events.length).toBeGreaterThan(5);
    expect(events.flatMap((e) => ocsfProblems(e))).toEqual([]);
    const asff = JSON.parse(read('asff.json')) as Array<{ AwsAccountId: string }>;
    expect(asff[0]?.AwsAccountId).toBe('123456789012');
    for (let i = 0; i < asff.length; i += 100)
      expect(asffProblems({ Findings: asff.slice(i, i + 100) })).toEqual([]);
    expect(read('report.html')).toMatch(/^<!doctype html>[\s\S]*Root causes \(\d\)[\s\S]*db-sg-allows-nodes/);
  });

  it('lists muted findings apart, reports the expired and the unmatched mute, applies the overrides', async () => {
    const r = await cli('run', '-c', config, '-q');
    const muted = r.stdout.slice(r.stdout.indexOf('MUTED (2)\n'));
    expect(muted).toMatch(
      /\n {2}FAIL {2}db-long-running-queries\/long-running {2}coder-prod-aurora\/coder {2}\(medium\)\n {8}muted until 2099-12-31, by data-team@example\.com, because nightly ETL runs 20 minutes\n/,
    );
    // Muted by its reason code: still the symptom it is, listed apart, not under its cause.
    expect(muted).toMatch(
      /\n {2}FAIL {2}log-error-patterns\/database-connection-refused {2}\S+ {2}\(high\)\n {8}muted until 2099-06-30, by platform, because known until the security group change lands\n {8}symptom of root cause 1, db-sg-allows-nodes\/no-ingress \(sg-0db0000000000001a\)\n/,
    );
    expect(r.stdout).toMatch(
      /^CRITICAL {2}root cause 1 of \d {2}db-sg-allows-nodes\/no-ingress: .* \(explains 5 more\)$/m,
    );
    expect(r.stdout).toMatch(
      /^! The mute of provisioner-key-age on \* \(owner platform\) expired on 2020-01-31/m,
    );
    expect(r.stdout).toMatch(
      /^! The mute of db-size on \* \(owner dba\), until 2099-01-01, matches no failing/m,
    );
    expect(r.stdout).toMatch(/FAIL {2}provisioner-key-age/);
    expect(r.stdout).not.toMatch(/FAIL {2}oidc-config/);
    expect(r.stdout).toContain(
      'check oidc-config disabled by the configuration: OIDC is checked by the identity team',
    );
    // The override lowers the node group finding, but the pending pods it explains keep its cause high.
    expect(r.stdout).toMatch(
      /^HIGH {2}root cause \d of \d {2}nodegroup-capacity\/at-max: .*\(explains 1 more\)$/m,
    );
    expect(r.stdout).toMatch(
      /FAIL {2}nodegroup-capacity .*\n(?: {8}no change in 24 h \(CloudTrail\)\n)? {8}severity: low, reason: at-max\n {8}severity overridden from high: workspaces may queue at night\n/,
    );

    const json = JSON.parse((await cli('run', '-c', config, '-q', '--format', 'json')).stdout) as AuditReport;
    expect(json.findings.some((f) => f.checkId === 'oidc-config')).toBe(false);
    expect(json.summary.muted).toBe(2);
    expect(json.rootCauses?.find((c) => c.checkId === 'nodegroup-capacity')).toMatchObject({
      severity: 'low',
      effectiveSeverity: 'high',
    });
    expect(json.rootCauses?.some((c) => c.checkId === 'db-long-running-queries')).toBe(false);
    expect(json.notices).toEqual([
      'The mute of provisioner-key-age on * (owner platform) expired on 2020-01-31: its 1 failing finding counts again. Renew it with a later expires date, or remove it.',
      'The mute of db-size on * (owner dba), until 2099-01-01, matches no failing finding: the problem is gone or the pattern is wrong. Remove or correct it.',
      'The mute of coderd-ready/oom-killed on * (owner platform), until 2099-06-30, matches no failing finding: the problem is gone or the pattern is wrong. Remove or correct it.',
    ]);
    expect(json.disabled).toEqual([{ check: 'oidc-config', reason: 'OIDC is checked by the identity team' }]);
  });

  it('--fail-on ignores muted findings, and counts them once the mute is gone', async () => {
    const only = ['--only', 'db-long-running-queries', '--fail-on', 'medium', '-q'];
    expect((await cli('run', '-c', config, ...only)).code).toBe(0);
    expect((await cli('run', '-c', bare, ...only)).code).toBe(1);
  });

  it('--format sarif --output FILE writes SARIF there, prints the table and says where the file went', async () => {
    const r = await cli(
      'run',
      '-c',
      bare,
      '--only',
      'db-sg-allows-nodes',
      '--format',
      'sarif',
      '--output',
      'only.sarif',
    );
    expect(r.stdout).toMatch(/^coder-audit: deployment sim/);
    expect(r.stderr).toContain(
      'SARIF 2.1.0 written to only.sarif (upload it to GitHub code scanning with github/codeql-action/upload-sarif)',
    );
    expect(sarifProblems(JSON.parse(read('only.sarif')))).toEqual([]);
  });

  it('rejects a mute or override naming an unknown check, with exit 2', async () => {
    const typo = join(dir, 'typo.yaml');
    writeFileSync(
      typo,
      stringify({
        deployments: [sim.deployment],
        mutes: [{ check: 'db-long-running-query', reason: 'r', owner: 'o', expires: '2099-01-01' }],
      }),
    );
    const r = await cli('run', '-c', typo, '-q');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('mutes[0].check: unknown check id "db-long-running-query"');
  });

  it('rejects a mute naming a reason its check does not have, with exit 2', async () => {
    const typo = join(dir, 'typo-reason.yaml');
    writeFileSync(
      typo,
      stringify({
        deployments: [sim.deployment],
        mutes: [{ check: 'coderd-ready', reasons: ['oom'], reason: 'r', owner: 'o', expires: '2099-01-01' }],
      }),
    );
    const r = await cli('run', '-c', typo, '-q');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('mutes[0].reasons[0]: "oom" is not a reason of coderd-ready (it has: ');
  });
});

describe('CLI: coder-audit demo with --output', () => {
  it('prints where the SARIF and HTML files went', async () => {
    const r = await cli('demo', '-q', '-o', 'sarif=demo.sarif', '-o', 'html=demo.html');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\nSARIF 2\.1\.0 written to demo\.sarif \(upload it to GitHub code scanning/);
    expect(r.stdout).toMatch(/\nHTML report written to demo\.html \(one file, open it in any browser\)/);
    expect(sarifProblems(JSON.parse(read('demo.sarif')))).toEqual([]);
    expect(read('demo.html')).toMatch(/Root causes \(\d\)/);
  });
});
