import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditDeployment } from '../lambdas/audit/audit.js';
import { loadConfig } from '../lambdas/audit/config.js';
import type { AuditReport } from '../lambdas/audit/runner.js';
import { PG_CONNECT_ROUND_TRIPS } from '../lambdas/clients/pg.js';
import { packageRoot } from '../lib/paths.js';
import { benchServerless } from './bench-serverless.js';
import { benchStartup, startupLines } from './bench-startup.js';

export interface BenchOptions {
  /** Added latencies per call (every simulated service), one measurement each. */
  latencies: number[];
  /** Measured audits (after one warm-up). */
  runs: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

/** Start `coder-audit sim` in its own process (so its CPU and memory are not the auditor's). */
async function startSimProcess(
  latency: number,
  scenario = 'healthy',
): Promise<{ configFile: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'coder-audit-bench-'));
  const configFile = join(dir, 'config.yaml');
  const cli = join(packageRoot(), 'bin', 'coder-audit.mjs');
  const args = [cli, 'sim', '--scenario', scenario, '--write-config', configFile];
  if (latency > 0) args.push('--latency', String(latency));
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`simulated deployment exited with code ${code}`)));
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve();
    });
  });
  return {
    configFile,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Figures {
  latency: number;
  walls: number[];
  report: AuditReport;
  peakRss: number;
  peakHeap: number;
}

/** Audit a simulated deployment that adds `latency` to every call; one warm-up, then `runs` measured audits. */
async function measure(latency: number, runs: number): Promise<Figures> {
  const sim = await startSimProcess(latency);
  const deployment = loadConfig(sim.configFile).deployments[0]!;
  let peakRss = process.memoryUsage().rss;
  let peakHeap = process.memoryUsage().heapUsed;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 5);
  try {
    const walls: number[] = [];
    let report: AuditReport | undefined;
    for (let i = 0; i <= runs; i++) {
      const t0 = performance.now();
      report = await auditDeployment(deployment);
      if (i > 0) walls.push(performance.now() - t0);
    }
    return { latency, walls, report: report!, peakRss, peakHeap };
  } finally {
    clearInterval(sampler);
    await sim.stop();
  }
}

/** Peak RSS and audit time of `coder-audit run` in a fresh process (the figure a user's machine sees). */
export interface FreshRun {
  scenario: string;
  /** Audit wall time (the report's startedAt → finishedAt), ms. */
  auditMs: number;
  /** Peak resident set size of the whole CLI process, bytes. */
  peakRss: number;
  findings: number;
}

/** Reports the process's peak RSS on stderr when it exits (loaded with --import before the CLI). */
const MAX_RSS_HOOK =
  "data:text/javascript,process.on('exit',()=>process.stderr.write('maxrss='+process.resourceUsage().maxRSS+'\\n'))";

/** One `coder-audit run` of the scenario's configuration in a fresh process. */
async function freshRun(scenario: string, configFile: string): Promise<FreshRun> {
  const cli = join(packageRoot(), 'bin', 'coder-audit.mjs');
  const child = spawn(
    process.execPath,
    [
      '--import',
      MAX_RSS_HOOK,
      cli,
      'run',
      '-c',
      configFile,
      '--format',
      'json',
      '-q',
      '--fail-on',
      'critical',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise((r) => child.once('exit', r));
  const report = JSON.parse(out) as AuditReport;
  const kib = Number(/maxrss=(\d+)/.exec(err)?.[1] ?? NaN);
  return {
    scenario,
    auditMs: Date.parse(report.finishedAt) - Date.parse(report.startedAt),
    peakRss: kib * 1024,
    findings: report.findings.length,
  };
}

/**
 * The healthy and the hostile scenario (every answer hostile: 100 MB, endless and slow bodies, 100 KB
 * adversarial log lines, escape sequences), each audited `runs` times by a fresh CLI process: peak RSS and
 * audit time, the largest of the runs.
 */
export async function benchHostile(runs: number): Promise<FreshRun[]> {
  const rows: FreshRun[] = [];
  for (const scenario of ['healthy', 'hostile']) {
    const sim = await startSimProcess(0, scenario);
    try {
      const all: FreshRun[] = [];
      for (let i = 0; i < runs; i++) all.push(await freshRun(scenario, sim.configFile));
      rows.push({
        scenario,
        auditMs: Math.max(...all.map((r) => r.auditMs)),
        peakRss: Math.max(...all.map((r) => r.peakRss)),
        findings: all[0]!.findings,
      });
    } finally {
      await sim.stop();
    }
  }
  return rows;
}

/** Target of the hostile row: the audit's peak RSS, whatever the services send. */
export const MAX_AUDIT_RSS_BYTES = 300 * 2 ** 20;

/** Audit the simulated deployment at each added latency and print the figures. */
export async function runBench(opts: BenchOptions): Promise<void> {
  const out = (s = '') => process.stdout.write(s + '\n');
  const sim = await startSimProcess(0);
  try {
    for (const line of startupLines(benchStartup(sim.configFile))) out(line);
  } finally {
    await sim.stop();
  }
  out();
  const all: Figures[] = [];
  for (const latency of opts.latencies) all.push(await measure(latency, opts.runs));
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  out(
    `coder-audit benchmark: the simulated deployment in its own process adds a fixed latency to every call`,
  );
  out(`(PostgreSQL: to every round trip); ${opts.runs} measured audits after one warm-up, median wall time.`);
  out(
    `The floor is the longest chain of dependent round trips x latency (a TLS+SCRAM PostgreSQL connect is ${PG_CONNECT_ROUND_TRIPS}).`,
  );
  out();
  out(
    '  latency  wall (median)  floor            wall/floor  sum of latencies  speed-up  calls  read twice  peak rss / heap',
  );
  for (const f of all) {
    const c = f.report.calls;
    const wall = median(f.walls);
    const floor = c.maxDepth * f.latency;
    out(
      `  ${`${f.latency} ms`.padEnd(8)} ${`${wall.toFixed(0)} ms`.padEnd(14)} ${`${floor} ms (${c.maxDepth} RT)`.padEnd(16)} ` +
        `${`${(wall / floor).toFixed(2)}x`.padEnd(11)} ${`${c.sumMs} ms`.padEnd(17)} ${`${(c.sumMs / wall).toFixed(1)}x`.padEnd(9)} ` +
        `${String(c.total).padEnd(6)} ${(c.duplicates.length === 0 ? 'none' : c.duplicates.join('; ')).padEnd(11)} ` +
        `${mib(f.peakRss)} / ${mib(f.peakHeap)}`,
    );
  }
  const last = all[all.length - 1]!;
  out();
  out(
    `  per group at ${last.latency} ms (last audit): ${Object.entries(last.report.summary.groups)
      .map(([g, v]) => `${g} ${v.ms} ms`)
      .join(', ')}`,
  );
  out(
    `  findings: ${last.report.summary.total} (${last.report.summary.byStatus.fail} fail, ${last.report.summary.byStatus.error} error); target wall/floor <= 1.30x`,
  );
  out();
  out('  calls per service:operation (one audit)');
  for (const [op, n] of Object.entries(last.report.calls.byOperation)) out(`    ${op.padEnd(66)} ${n}`);
  out();
  out(
    `hostile input: \`coder-audit run\` in a fresh process, ${opts.runs} audits per scenario, the worst of them`,
  );
  out('  scenario  audit wall  peak rss (whole process)  findings');
  for (const r of await benchHostile(opts.runs)) {
    const verdict = r.peakRss <= MAX_AUDIT_RSS_BYTES ? 'within' : 'OVER';
    out(
      `  ${r.scenario.padEnd(9)} ${`${r.auditMs} ms`.padEnd(11)} ${`${mib(r.peakRss)} (${verdict} 300 MiB)`.padEnd(25)} ${r.findings}`,
    );
  }
  out();
  await benchServerless();
}
