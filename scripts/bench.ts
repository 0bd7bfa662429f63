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
async function startSimProcess(latency: number): Promise<{ configFile: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'coder-audit-bench-'));
  const configFile = join(dir, 'config.yaml');
  const cli = join(packageRoot(), 'bin', 'coder-audit.mjs');
  const child = spawn(
    process.execPath,
    [cli, 'sim', '--scenario', 'healthy', '--latency', String(latency), '--write-config', configFile],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
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
  await benchServerless();
}
