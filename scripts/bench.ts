import { existsSync } from 'node:fs';
import { auditDeployment } from '../lambdas/audit/audit.js';
import type { AuditReport } from '../lambdas/audit/runner.js';
import { startSim } from '../sim/index.js';

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

/** Audit the simulated deployment with a fixed added latency per call and print the figures. */
export async function runBench(opts: BenchOptions): Promise<void> {
  const out = (s = '') => process.stdout.write(s + '\n');
  const sim = await startSim({ scenario: 'healthy' });
  let peakRss = process.memoryUsage().rss;
  let peakHeap = process.memoryUsage().heapUsed;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 5);
  try {
    sim.faults.set([{ service: '*', kind: 'latency', ms: opts.latency, rate: 1 }]);
    const walls: number[] = [];
    let last: AuditReport | undefined;
    for (let i = 0; i <= opts.runs; i++) {
      const t0 = performance.now();
      last = await auditDeployment(sim.deployment);
      if (i > 0) walls.push(performance.now() - t0);
    }
    const report = last!;
    const c = report.calls;
    const floor = c.maxDepth * opts.latency;
    const wall = median(walls);
    out(`coder-audit benchmark: simulated deployment, ${opts.latency} ms added to every call, ${opts.runs} audits (+1 warm-up)`);
    out();
    out(`  wall time (median)             ${wall.toFixed(0)} ms   (runs: ${walls.map((w) => w.toFixed(0)).join(', ')})`);
    out(`  sum of call latencies          ${c.sumMs} ms   (what a sequential script would wait)`);
    out(`  longest dependent chain        ${c.maxDepth} calls = ${floor} ms floor`);
    out(`  wall / floor                   ${(wall / floor).toFixed(2)}x   (target <= 1.30x)`);
    out(`  speed-up over sequential       ${(c.sumMs / wall).toFixed(1)}x`);
    out(`  calls per audit                ${c.total}`);
    out(`  same resource read twice       ${c.duplicates.length === 0 ? 'none' : c.duplicates.join('; ')}`);
    out(`  peak memory                    rss ${(peakRss / 2 ** 20).toFixed(0)} MiB, heap ${(peakHeap / 2 ** 20).toFixed(0)} MiB (includes the simulated deployment)`);
    out(`  findings                       ${report.summary.total} (${report.summary.byStatus.fail} fail, ${report.summary.byStatus.error} error)`);
    out();
    out('  calls per service:operation');
    for (const [op, n] of Object.entries(c.byOperation)) out(`    ${op.padEnd(48)} ${n}`);
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
