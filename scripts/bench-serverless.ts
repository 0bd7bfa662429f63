// Serverless figures: bundle size and cold module-load time per Lambda, state transitions per audit, and
// the monthly cost of auditing one deployment every hour. Run: `npx tsx scripts/bench-serverless.ts`.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../lambdas/audit/config.js';
import { FUNCTION_ROLES, lambdaAssetDir, packageRoot, type FunctionRole } from '../lib/paths.js';
import { startSim } from '../sim/index.js';
import { runLocalWorkflow, type LocalWorkflowResult } from '../sim/workflow.js';
import { createFindingsTable, localClients, startDynalite } from '../sim/dynamodb.js';

/**
 * us-east-1 list prices (2025), free tiers ignored.
 * Lambda arm64: $0.0000133334 per GB-second, $0.20 per million requests.
 * Step Functions Standard: $0.025 per 1,000 state transitions.
 * Step Functions Express: $1.00 per million requests, $0.00001667 per GB-second (64 MB minimum, 100 ms steps).
 * DynamoDB on-demand: $0.625 per million write request units, $0.125 per million read request units.
 * SNS: $0.50 per million publishes, $2.00 per 100,000 e-mail deliveries.
 * CloudWatch Logs: $0.50 per GB ingested.
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
} as const;
/** Hourly audits in an average month. */
export const RUNS_PER_MONTH = (24 * 365) / 12;
/** Memory of each function (as the construct sets it). */
const MEMORY_MB: Record<FunctionRole, number> = {
  infra: 256,
  cluster: 512,
  database: 256,
  coder: 256,
  aggregate: 256,
  notify: 256,
};
const TASK_ROLE: Record<string, FunctionRole> = {
  Infra: 'infra',
  Cluster: 'cluster',
  Database: 'database',
  Coder: 'coder',
  Aggregate: 'aggregate',
  Notify: 'notify',
};

export interface FunctionFigures {
  role: FunctionRole;
  bundleBytes: number;
  /** Median ms to import the bundle in a fresh `node` process. */
  coldLoadMs: number;
}

export interface CostModel {
  lambda: number;
  stepFunctionsStandard: number;
  stepFunctionsExpress: number;
  dynamodb: number;
  sns: number;
  logs: number;
  totalStandard: number;
  totalExpress: number;
}

export interface ServerlessBench {
  functions: FunctionFigures[];
  audits: Array<{
    scenario: string;
    transitions: number;
    ms: number;
    taskMs: Record<string, number>;
    dynamoCalls: Record<string, number>;
  }>;
  /** Monthly USD per audited deployment at hourly cadence. */
  monthly: CostModel;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

/** Median time to import a bundle in fresh processes (what a cold start pays before the handler runs). */
function coldLoad(file: string, env: NodeJS.ProcessEnv, runs: number): number {
  const script = `const t=performance.now();await import(${JSON.stringify(pathToFileURL(file).href)});console.log(performance.now()-t)`;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`importing ${file} failed: ${r.stderr}`);
    times.push(Number(r.stdout.trim()));
  }
  return Math.round(median(times));
}

/** Run the real workflow locally against the sim and count what an audit costs. */
async function measureAudits(): Promise<ServerlessBench['audits']> {
  const db = await startDynalite();
  const { client } = localClients(db.endpoint);
  const sim = await startSim({ scenario: 'healthy' });
  const out: ServerlessBench['audits'] = [];
  try {
    for (const scenario of ['healthy', 'db-sg-missing-5432']) {
      const tableName = `bench-${scenario}`;
      await createFindingsTable(client, tableName);
      await sim.apply(scenario);
      // The first run opens findings (and alerts); the second is the steady state an hourly audit pays.
      await runLocalWorkflow({ sim, tableEndpoint: db.endpoint, tableName });
      const r: LocalWorkflowResult = await runLocalWorkflow({ sim, tableEndpoint: db.endpoint, tableName });
      out.push({
        scenario,
        transitions: r.transitions,
        ms: r.ms,
        taskMs: r.taskMs,
        dynamoCalls: r.dynamoCalls,
      });
      (out.at(-1) as { executionDataBytes?: number }).executionDataBytes = r.executionDataBytes;
    }
  } finally {
    await sim.stop();
    client.destroy();
    await db.stop();
  }
  return out;
}

/** Monthly cost of one deployment audited hourly, from one measured steady-state audit. */
export function costModel(
  audit: ServerlessBench['audits'][number] & { executionDataBytes?: number },
  alertsPerMonth = 10,
): CostModel {
  let gbSeconds = 0;
  let requests = 0;
  for (const [state, ms] of Object.entries(audit.taskMs)) {
    const role = TASK_ROLE[state];
    if (!role) continue;
    // Lambda bills per ms; add 100 ms of runtime overhead per invocation measured locally as nothing.
    gbSeconds += ((ms + 100) / 1000) * (MEMORY_MB[role] / 1024);
    requests += 1;
  }
  const writes =
    (audit.dynamoCalls.Put ?? 0) + (audit.dynamoCalls.Update ?? 0) + (audit.dynamoCalls.UpdateItem ?? 0);
  const reads = (audit.dynamoCalls.Get ?? 0) + (audit.dynamoCalls.Query ?? 0);
  const n = RUNS_PER_MONTH;
  const lambda = n * (gbSeconds * PRICES.lambdaGbSecond + requests * PRICES.lambdaRequest);
  const stepFunctionsStandard = n * audit.transitions * PRICES.sfnTransition;
  const expressGbS = Math.ceil(audit.ms / 100) * 0.1 * (64 / 1024);
  const stepFunctionsExpress = n * (PRICES.expressRequest + expressGbS * PRICES.expressGbSecond);
  // Findings are ~1 KB items (1 WRU); queries read a few KB (1 RRU per 4 KB, counted as 2 per query).
  const dynamodb = n * (writes * PRICES.ddbWrite + reads * 2 * PRICES.ddbRead);
  const sns = alertsPerMonth * (PRICES.snsPublish + PRICES.snsEmail);
  const logs = ((n * ((audit.executionDataBytes ?? 0) + 6 * 2_000)) / 1e9) * PRICES.logsGb;
  const base = lambda + dynamodb + sns + logs;
  return {
    lambda,
    stepFunctionsStandard,
    stepFunctionsExpress,
    dynamodb,
    sns,
    logs,
    totalStandard: base + stepFunctionsStandard,
    totalExpress: base + stepFunctionsExpress,
  };
}

/** Measure and print every serverless figure. */
export async function benchServerless(
  opts: { runs?: number; print?: (line: string) => void } = {},
): Promise<ServerlessBench> {
  const print = opts.print ?? ((l: string) => console.log(l));
  const runs = opts.runs ?? 7;
  // From the package root: bundled into dist/cli, this module's own directory is not the checkout's.
  const { serverless: _s, ...config } = loadConfig(join(packageRoot(), 'examples', 'config.yaml'));
  const env = {
    PATH: process.env.PATH,
    AUDIT_CONFIG: JSON.stringify(config),
    TABLE_NAME: 'bench',
    TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:bench',
    AWS_REGION: 'us-east-1',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  };
  const functions: FunctionFigures[] = [];
  for (const role of FUNCTION_ROLES) {
    // The prebuilt bundle the construct deploys (npm run build).
    const file = join(lambdaAssetDir(role), 'index.mjs');
    functions.push({ role, bundleBytes: statSync(file).size, coldLoadMs: coldLoad(file, env, runs) });
  }
  print(
    `Lambda bundles (esbuild, ESM, minified, SDK bundled) and cold module load (median of ${runs} fresh node processes):`,
  );
  for (const f of functions) {
    print(
      `  ${f.role.padEnd(10)} ${(f.bundleBytes / 1024).toFixed(0).padStart(6)} KiB  ${String(f.coldLoadMs).padStart(5)} ms`,
    );
  }
  const audits = await measureAudits();
  print('State transitions per audit of one deployment (local run of statemachines/audit.asl.json):');
  for (const a of audits) {
    const tasks = Object.entries(a.taskMs)
      .map(([s, ms]) => `${s} ${ms}`)
      .join(', ');
    print(`  ${a.scenario.padEnd(20)} ${a.transitions} transitions, ${a.ms} ms (task ms: ${tasks})`);
  }
  const steady = audits.find((a) => a.scenario === 'db-sg-missing-5432') ?? audits[0]!;
  const monthly = costModel(steady);
  const usd = (x: number) => `$${x.toFixed(4)}`;
  print(
    `Monthly cost per audited deployment, hourly (${RUNS_PER_MONTH} runs, us-east-1 list prices, no free tier):`,
  );
  print(
    `  Lambda ${usd(monthly.lambda)}, DynamoDB ${usd(monthly.dynamodb)}, SNS ${usd(monthly.sns)}, Logs ${usd(monthly.logs)}`,
  );
  print(
    `  Step Functions Standard ${usd(monthly.stepFunctionsStandard)} -> total ${usd(monthly.totalStandard)}`,
  );
  print(
    `  Step Functions Express  ${usd(monthly.stepFunctionsExpress)} -> total ${usd(monthly.totalExpress)}`,
  );
  print(
    '  Per stack, not per deployment: KMS key $1.00, 3 alarms (5 metrics, $0.10 each) $0.50, an idle SQS dead-letter queue $0.',
  );
  return { functions, audits, monthly };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await benchServerless();
}
