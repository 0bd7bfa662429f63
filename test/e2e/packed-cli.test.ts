import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../../lambdas/audit/runner.js';
import { startSim, type Sim } from '../../sim/index.js';

/**
 * The package as an operator gets it: `npm pack`, a global install of the tarball into a fresh prefix
 * without development dependencies, and the installed `coder-audit` run through npm's bin link, the way a
 * shell, cron or CI runs it. Uses the dist/ that `npm test` builds first (pretest).
 */
const exec = promisify(execFile);
const ROOT = join(import.meta.dirname, '../..');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const work = mkdtempSync(join(tmpdir(), 'packed-cli-'));
const prefix = join(work, 'prefix');
const bin = join(prefix, 'bin', 'coder-audit');
// The installed command finds `node` on PATH, as it would on an operator's machine.
const env = {
  ...process.env,
  PATH: `${dirname(process.execPath)}${delimiter}/usr/bin${delimiter}/bin`,
  NO_COLOR: '1',
  npm_config_loglevel: 'error',
};
let sim: Sim;
let config: string;

async function installed(...args: string[]) {
  try {
    const r = await exec(bin, args, { env, cwd: work });
    return { code: 0, ...r };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

function du(path: string): number {
  const s = statSync(path, { throwIfNoEntry: false });
  if (!s) return 0;
  if (!s.isDirectory()) return s.size;
  return readdirSync(path).reduce((n, e) => n + du(join(path, e)), 0);
}

beforeAll(async () => {
  const npm = (args: string[]) =>
    exec('npm', args, { cwd: ROOT, env, maxBuffer: 16 * 1024 * 1024 }).then((r) => r.stdout);
  // --ignore-scripts: pack the dist/ this test run built, without rebuilding it under the other tests.
  const packed = JSON.parse(
    await npm(['pack', '--json', '--ignore-scripts', '--pack-destination', work]),
  ) as Array<{ filename: string }>;
  const tarball = join(work, packed[0]!.filename);
  await npm(['install', '-g', '--prefix', prefix, '--omit=dev', '--no-audit', '--no-fund', tarball]);
  sim = await startSim({ scenario: 'db-sg-missing-5432' });
  config = join(work, 'coder-audit.yaml');
  writeFileSync(config, stringify({ deployments: [sim.deployment] }));
}, 240_000);

afterAll(async () => {
  await sim?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('Package: coder-audit installed from the packed tarball', () => {
  it('installs only the compiled command: no tests, sources, CDK or development dependencies', () => {
    const pkg = join(prefix, 'lib', 'node_modules', 'coder-auditor');
    const top = readdirSync(pkg).sort();
    expect(top).toEqual([
      'LICENSE',
      'README.md',
      'bin',
      'config.schema.json',
      'dist',
      'examples',
      'package.json',
      'statemachines',
    ]);
    // No node_modules at all: the CLI and the Lambda code are bundled; aws-cdk-lib and constructs are
    // optional peers a CDK user brings.
    expect(readdirSync(join(prefix, 'lib', 'node_modules'))).toEqual(['coder-auditor']);
    const mb = du(join(prefix, 'lib', 'node_modules')) / 1e6;
    expect(mb).toBeLessThan(60);
  });

  it('--version and --help work through the bin link', async () => {
    const v = await installed('--version');
    expect(v).toMatchObject({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
    const h = await installed('--help');
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('Usage: coder-audit');
    expect(h.stdout).toContain('run [options]');
  });

  it('run -c audits the simulated deployment: JSON report on stdout, exit 1 on a high failure', async () => {
    const r = await installed('run', '-c', config, '--format', 'json', '--quiet');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as AuditReport;
    expect(report.findings.filter((f) => f.status === 'fail').map((f) => f.checkId)).toEqual([
      'db-sg-allows-nodes',
    ]);
    expect(r.stderr).toBe('');
  });

  it('run exits 0 below --fail-on, with progress on stderr only', async () => {
    const r = await installed('run', '-c', config, '--only', 'nlb-targets-healthy', '--fail-on', 'critical');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('No problems found.');
    expect(r.stderr).toContain('Auditing sim');
  });

  it('usage errors exit 2 with one line, no stack: missing file, empty or unknown --only', async () => {
    const missing = await installed('run', '-c', join(work, 'missing.yaml'), '--fail-on', 'info');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^coder-audit: cannot read configuration file .*missing\.yaml/);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
    const empty = await installed('run', '-c', config, '--only', '');
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('give at least one check id');
    const unknown = await installed('run', '-c', config, '--only', 'db-sg-allows-nodez');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown check id(s): db-sg-allows-nodez');
  });

  it('the demo says it needs a source checkout (exit 2), instead of failing on a missing module', async () => {
    const r = await installed('demo');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('comes with a source checkout');
    expect(r.stderr).toContain('npm ci && npm run demo');
  });

  it('a reader that closes the pipe early ends the command quietly', async () => {
    const child = spawn(bin, ['checks'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // `| head -1`: read the first chunk, then close our end.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('an older Node.js gets one clear line and exit 2', async () => {
    const fake = 'data:text/javascript,Object.defineProperty(process.versions,"node",{value:"20.11.1"})';
    const r = await exec(process.execPath, ['--import', fake, bin, '--version'], { env }).catch(
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(r).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'coder-audit needs Node.js 22 or later (found v20.11.1)\n',
    });
  });
});
