import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { UsageError } from '../../lambdas/audit/errors.js';
import { loadSim } from './common.js';

/** `coder-audit sim`: keep the simulated deployment running and write a configuration that points at it. */
export async function simCommand(o: {
  scenario: string;
  latency: number;
  writeConfig: string;
}): Promise<void> {
  const { startSim } = await loadSim('sim', () => import('../../sim/index.js'));
  const sim = await startSim({ scenario: o.scenario });
  if (o.latency > 0)
    sim.faults.set([...sim.scenario.faults, { service: '*', kind: 'latency', ms: o.latency, rate: 1 }]);
  writeFileSync(o.writeConfig, stringify({ deployments: [sim.deployment] }), { mode: 0o600 });
  process.stderr.write(
    `simulated deployment running (scenario ${sim.scenario.name}); configuration in ${o.writeConfig}; Ctrl-C stops it\n`,
  );
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sim.stop();
}

/** `coder-audit scenarios`: the shipped scenarios with their descriptions. */
export async function scenariosCommand(): Promise<void> {
  const { listScenarios, loadScenario } = await loadSim('scenarios', () => import('../../sim/scenario.js'));
  process.stdout.write(
    listScenarios()
      .map((n) => `${n.padEnd(32)} ${loadScenario(n).description}\n`)
      .join(''),
  );
}

/**
 * `coder-audit bench`: start-up figures, the audit at added latencies, the serverless side; with `--fleet N`
 * only the serverless side, over N simulated deployments (text or JSON).
 */
export async function benchCommand(o: {
  latency: string;
  runs: number;
  fleet?: number;
  format?: 'text' | 'json';
}): Promise<void> {
  if (o.fleet !== undefined) {
    const { benchServerless } = await loadSim('bench', () => import('../../scripts/bench-serverless.js'));
    await benchServerless({ fleet: o.fleet, format: o.format ?? 'text' });
    return;
  }
  const latencies = o.latency.split(',').map((v) => Number(v.trim()));
  if (latencies.some((l) => !Number.isInteger(l) || l <= 0))
    throw new UsageError('--latency takes positive whole milliseconds, comma-separated');
  const { runBench } = await loadSim('bench', () => import('../../scripts/bench.js'));
  await runBench({ latencies, runs: o.runs });
}
