import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditDeployment } from '../lambdas/audit/audit.js';
import { loadConfig } from '../lambdas/audit/config.js';
import type { AuditReport } from '../lambdas/audit/runner.js';
import { PG_CONNECT_ROUND_TRIPS } from '../lambdas/clients/pg.js';

export interface BenchOptions {
  /** Added latency per call, every simulated service. */
  latency: number;
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
  const cli = new URL('../bin/coder-audit.mjs', import.meta.url).pathname;
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

/** Audit the simulated deployment with a fixed added latency per call and print the figures. */
export async function runBench(opts: BenchOptions): Promise<void> {
  const out = (s = '') => process.stdout.write(s + '\n');
  const sim = await startSimProcess(opts.latency);
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
    let last: AuditReport | undefined;
    for (let i = 0; i <= opts.runs; i++) {
      const t0 = performance.now();
      last = await auditDeployment(deployment);
      if (i > 0) walls.push(performance.now() - t0);
    }
    const report = last!;
    const c = report.calls;
    const floor = c.maxDepth * opts.latency;
    const wall = median(walls);
    const groups = Object.entries(report.summary.groups)
      .map(([g, v]) => `${g} ${v.ms} ms`)
      .join(', ');
    out(
      `coder-audit benchmark: simulated deployment (own process), ${opts.latency} ms added to every call, ${opts.runs} audits (+1 warm-up)`,
    );
    out();
    out(
      `  wall time (median)             ${wall.toFixed(0)} ms   (runs: ${walls.map((w) => w.toFixed(0)).join(', ')}; last: ${groups})`,
    );
    out(`  sum of call latencies          ${c.sumMs} ms   (what a sequential script would wait)`);
    out(
      `  longest dependent chain        ${c.maxDepth} round trips = ${floor} ms floor (a TLS+SCRAM PostgreSQL connect counts ${PG_CONNECT_ROUND_TRIPS})`,
    );
    out(`  wall / floor                   ${(wall / floor).toFixed(2)}x   (target <= 1.30x)`);
    out(`  speed-up over sequential       ${(c.sumMs / wall).toFixed(1)}x`);
    out(`  calls per audit                ${c.total}`);
    out(`  same resource read twice       ${c.duplicates.length === 0 ? 'none' : c.duplicates.join('; ')}`);
    out(
      `  peak memory of the auditor     rss ${(peakRss / 2 ** 20).toFixed(0)} MiB, heap ${(peakHeap / 2 ** 20).toFixed(0)} MiB`,
    );
    out(
      `  findings                       ${report.summary.total} (${report.summary.byStatus.fail} fail, ${report.summary.byStatus.error} error)`,
    );
    out();
    out('  calls per service:operation');
    for (const [op, n] of Object.entries(c.byOperation)) out(`    ${op.padEnd(66)} ${n}`);
  } finally {
    clearInterval(sampler);
    await sim.stop();
  }
  const serverless = new URL('./bench-serverless.ts', import.meta.url);
  if (existsSync(serverless)) {
    out();
    const mod = (await import(serverless.href)) as { benchServerless?: () => Promise<unknown> };
    await mod.benchServerless?.();
  }
}
