// Serverless figures: bundle size and cold module-load time per Lambda, and the whole workflow run locally
// over a fleet of N simulated deployments (transitions, largest payload, wall time), turned into the monthly
// cost of auditing each deployment every hour. Run: `npm run bench -- --fleet 100 [--format json]`.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FUNCTION_ROLES, lambdaAssetDir, type FunctionRole } from '../lib/paths.js';
import { startSim } from '../sim/index.js';
import { createFindingsTable, localClients, startDynalite } from '../sim/dynamodb.js';
import { runLocalWorkflow, type LocalFunction, type LocalWorkflowResult } from '../sim/workflow.js';

/**
 * us-east-1 list prices (2025), free tiers ignored.
 * Lambda arm64: $0.0000133334 per GB-second (INIT included since August 2025), $0.20 per million requests.
 * Step Functions Standard: $0.025 per 1,000 state transitions (a Distributed Map: one per child started).
 * Step Functions Express: $1.00 per million requests, $0.00001667 per GB-second (64 MB, 100 ms steps).
 * DynamoDB on-demand: $0.625 per million write request units, $0.125 per million read request units.
 * SNS: $0.50 per million publishes, $2.00 per 100,000 e-mail deliveries. CloudWatch Logs: $0.50 per GB.
 * Per stack: a KMS key $1.00, an alarm metric $0.10 (7 metrics), an advanced SSM parameter $0.05.
 */
export const PRICES = {
  lambdaGbSecond: 0.0000133334,
  lambdaRequest: 0.2 / 1e6,
  sfnTransition: 0.025 / 1000,
  expressRequest: 1 / 1e6,
  expressGbSecond: 0.00001667,
  ddbWrite: 0.625 / 1e6,
  ddbRead: 0.125 / 1e6,
  snsPublish: 0.5 / 1e6,
  snsEmail: 2 / 1e5,
  logsGb: 0.5,
  kmsKey: 1,
  alarmMetric: 0.1,
  advancedParameter: 0.05,
} as const;
/** Hourly audits in an average month. */
export const RUNS_PER_MONTH = (24 * 365) / 12;
/** Alarm metrics of the stack: failed/timed-out/aborted parent + failed/timed-out children, silence, DLQ. */
export const ALARM_METRICS = 7;
/** Memory of each function (as the construct sets it). */
export const MEMORY_MB: Record<FunctionRole, number> = {
  infra: 256,
  cluster: 512,
  database: 256,
  coder: 256,
  aggregate: 256,
  notify: 256,
};
/** Runtime start-up before the module loads, per cold start, and per-invocation overhead (ms). */
const RUNTIME_INIT_MS = 150;
const INVOKE_OVERHEAD_MS = 100;
/** Bytes CloudWatch Logs ingests per state event (level ALL, no execution data) and per invocation. */
const LOG_BYTES_PER_STATE_EVENT = 350;
const LOG_BYTES_PER_INVOCATION = 2_000;

export interface FunctionFigures {
  role: FunctionRole;
  /** Bytes of every `.mjs` file the function deploys (entry and chunks, no source maps). */
  bundleBytes: number;
  /** Median ms to import the bundle and its chunks in a fresh `node` process. */
  coldLoadMs: number;
}

export interface FleetFigures {
  deployments: number;
  /** Wall time of the steady-state execution over the fleet (ms). */
  wallMs: number;
  /** Wall time of the same execution over one deployment (ms). */
  wallMsOneDeployment: number;
  /** Billed transitions of the Standard parent per execution. */
  transitions: number;
  /** Largest state input or output of any execution (bytes; the limit is 262,144). */
  maxPayloadBytes: number;
  costPerDeploymentMonthUsd: number;
  costBreakdownUsd: Record<string, number>;
  functions: FunctionFigures[];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

/** The files a function deploys: its entry and the chunks it loads. */
export function bundleFiles(role: FunctionRole): string[] {
  const dir = lambdaAssetDir(role);
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith('.mjs')) files.push(join(d, e.name));
    }
  };
  walk(dir);
  return files.sort((a, b) =>
    a.endsWith(`${role}/index.mjs`) ? -1 : b.endsWith(`${role}/index.mjs`) ? 1 : a.localeCompare(b),
  );
}

/** Median time to import a bundle and all its chunks in fresh processes (what a cold start pays). */
function coldLoad(files: string[], env: NodeJS.ProcessEnv, runs: number): number {
  const urls = files.map((f) => JSON.stringify(pathToFileURL(f).href));
  const script = `const t=performance.now();for (const u of [${urls.join(',')}]) await import(u);console.log(performance.now()-t)`;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`importing ${files[0]} failed: ${r.stderr}`);
    times.push(Number(r.stdout.trim()));
  }
  return Math.round(median(times));
}

/** Bundle size and cold module load of every function's prebuilt bundle (`npm run build`). */
export function measureFunctions(runs = 7): FunctionFigures[] {
  const env = {
    PATH: process.env.PATH,
    TABLE_NAME: 'bench',
    TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:bench',
    CONFIG_PARAMETER_PREFIX: '/coder-auditor/bench',
    AWS_REGION: 'us-east-1',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  };
  return FUNCTION_ROLES.map((role) => {
    const files = bundleFiles(role);
    return {
      role,
      bundleBytes: files.reduce((n, f) => n + statSync(f).size, 0),
      coldLoadMs: coldLoad(files, env, runs),
    };
  });
}

/** Run the workflow over `n` simulated deployments twice (the second is the steady state measured). */
async function measureFleet(n: number, scenario: string): Promise<LocalWorkflowResult> {
  const db = await startDynalite();
  const { client } = localClients(db.endpoint);
  const sim = await startSim({ scenario });
  try {
    const tableName = `bench-${n}`;
    await createFindingsTable(client, tableName);
    const ids = Array.from({ length: n }, (_, i) => `d${String(i + 1).padStart(3, '0')}`);
    const fleet = () => ids.map((id) => ({ ...sim.deployment, id }));
    const input = { trigger: 'schedule' };
    const opts = { sim, tableEndpoint: db.endpoint, tableName, input, fleet, maxConcurrency: 50 };
    await runLocalWorkflow(opts);
    return await runLocalWorkflow(opts);
  } finally {
    await sim.stop();
    client.destroy();
    await db.stop();
  }
}

/** Monthly cost per deployment at hourly cadence, from one measured execution over the fleet. */
export function costModel(
  run: Pick<
    LocalWorkflowResult,
    'transitions' | 'childMs' | 'lambdaMs' | 'lambdaInvocations' | 'dynamoCalls' | 'stateEvents'
  >,
  deployments: number,
  functions: readonly FunctionFigures[],
  alertsPerMonth = 10,
): { perDeployment: number; breakdown: Record<string, number> } {
  const n = RUNS_PER_MONTH;
  const load = Object.fromEntries(functions.map((f) => [f.role, f.coldLoadMs]));
  let gbSeconds = 0;
  let requests = 0;
  for (const [fn, ms] of Object.entries(run.lambdaMs) as Array<[LocalFunction, number]>) {
    const invocations = run.lambdaInvocations[fn] ?? 0;
    // Every invocation of an hourly audit is counted as a cold start (containers rarely live an hour).
    const billedMs = ms + invocations * (INVOKE_OVERHEAD_MS + RUNTIME_INIT_MS + (load[fn] ?? 0));
    gbSeconds += (billedMs / 1000) * (MEMORY_MB[fn] / 1024);
    requests += invocations;
  }
  const lambda = n * (gbSeconds * PRICES.lambdaGbSecond + requests * PRICES.lambdaRequest);
  const standard = n * run.transitions * PRICES.sfnTransition;
  const express =
    n *
    run.childMs.reduce(
      (sum, ms) =>
        sum +
        PRICES.expressRequest +
        Math.ceil(Math.max(ms, 1) / 100) * 0.1 * (64 / 1024) * PRICES.expressGbSecond,
      0,
    );
  const calls = run.dynamoCalls;
  const writes =
    (calls.Put ?? 0) +
    (calls.Update ?? 0) +
    (calls.UpdateItem ?? 0) +
    (calls.PutItem ?? 0) +
    (calls.Delete ?? 0);
  const reads = (calls.Get ?? 0) + (calls.Query ?? 0) + (calls.GetItem ?? 0);
  // Items are ~1 KB (1 WRU); strongly consistent reads of a few KB (counted as 2 RRU each).
  const dynamodb = n * (writes * PRICES.ddbWrite + reads * 2 * PRICES.ddbRead);
  const logs =
    ((n * (run.stateEvents * LOG_BYTES_PER_STATE_EVENT + requests * LOG_BYTES_PER_INVOCATION)) / 1e9) *
    PRICES.logsGb;
  const sns = deployments * alertsPerMonth * (PRICES.snsPublish + PRICES.snsEmail);
  // The fleet parameter holds the ids; above 4 KB it needs the advanced tier.
  const fleetBytes = deployments * 8;
  const fixed =
    PRICES.kmsKey + ALARM_METRICS * PRICES.alarmMetric + (fleetBytes > 4096 ? PRICES.advancedParameter : 0);
  const breakdown = {
    stepFunctionsStandard: standard,
    stepFunctionsExpress: express,
    lambda,
    dynamodb,
    logs,
    sns,
    perStackFixed: fixed,
  };
  const total = Object.values(breakdown).reduce((a, b) => a + b, 0);
  return {
    perDeployment: total / deployments,
    breakdown: Object.fromEntries(Object.entries(breakdown).map(([k, v]) => [k, v / deployments])),
  };
}

/** Measure the fleet workflow and the bundles; print the figures as text or JSON. */
export async function benchServerless(
  opts: {
    fleet?: number;
    format?: 'text' | 'json';
    runs?: number;
    scenario?: string;
    print?: (line: string) => void;
  } = {},
): Promise<FleetFigures> {
  const print = opts.print ?? ((l: string) => console.log(l));
  const n = opts.fleet ?? 1;
  const scenario = opts.scenario ?? 'db-sg-missing-5432';
  const functions = measureFunctions(opts.runs ?? 5);
  const one = n === 1 ? undefined : await measureFleet(1, scenario);
  const run = await measureFleet(n, scenario);
  const cost = costModel(run, n, functions);
  const figures: FleetFigures = {
    deployments: n,
    wallMs: run.ms,
    wallMsOneDeployment: (one ?? run).ms,
    transitions: run.transitions,
    maxPayloadBytes: run.maxPayloadBytes,
    costPerDeploymentMonthUsd: Number(cost.perDeployment.toFixed(5)),
    costBreakdownUsd: Object.fromEntries(
      Object.entries(cost.breakdown).map(([k, v]) => [k, Number(v.toFixed(5))]),
    ),
    functions,
  };
  if (opts.format === 'json') {
    print(JSON.stringify(figures, null, 2));
    return figures;
  }
  print(
    'Lambda bundles (esbuild, ESM, minified, SDK bundled, entry + chunks) and cold module load (median, fresh node):',
  );
  for (const f of functions) {
    print(
      `  ${f.role.padEnd(10)} ${(f.bundleBytes / 1024).toFixed(0).padStart(6)} KiB  ${String(f.coldLoadMs).padStart(5)} ms`,
    );
  }
  print(
    `Workflow run locally over ${n} simulated deployment(s), scenario ${scenario}, steady state (second run):`,
  );
  print(
    `  wall ${run.ms} ms (one deployment: ${figures.wallMsOneDeployment} ms); ${run.transitions} billed transitions; largest state payload ${run.maxPayloadBytes} bytes of 262144`,
  );
  print(
    `Monthly cost per deployment, hourly (${RUNS_PER_MONTH} runs, us-east-1 list prices, no free tier): $${figures.costPerDeploymentMonthUsd.toFixed(4)}`,
  );
  print(
    `  ${Object.entries(figures.costBreakdownUsd)
      .map(([k, v]) => `${k} $${v.toFixed(4)}`)
      .join(', ')}`,
  );
  return figures;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const arg = (name: string) => process.argv[process.argv.indexOf(name) + 1];
  await benchServerless({
    fleet: process.argv.includes('--fleet') ? Number(arg('--fleet')) : 1,
    format: arg('--format') === 'json' ? 'json' : 'text',
  });
}
