// Serverless figures: bundle size and cold module-load time per Lambda, and the whole workflow run locally
// over a fleet of N simulated deployments (transitions, largest payload, wall time), turned into the monthly
// cost of auditing each deployment every hour. Run: `npm run bench -- --fleet 100 [--format json]`.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FUNCTION_ROLES, lambdaAssetDir, type FunctionRole } from '../lib/paths.js';
import { ServerlessSchema, ThresholdsSchema } from '../lambdas/audit/config.js';
import { startSim } from '../sim/index.js';
import { createFindingsTable, localClients, startDynalite } from '../sim/dynamodb.js';
import { ASL_FILE, runLocalWorkflow, type LocalFunction, type LocalWorkflowResult } from '../sim/workflow.js';

/**
 * us-east-1 list prices, free tiers ignored, each from the service's pricing page:
 * - Lambda (https://aws.amazon.com/lambda/pricing/), Arm: $0.0000133334 per GB-second (first 7.5 billion
 *   GB-s a month), $0.20 per million requests. Since 1 August 2025 the INIT phase of a cold start is billed
 *   as duration too (AWS Compute Blog, "AWS Lambda standardizes billing for INIT Phase").
 * - Step Functions (https://aws.amazon.com/step-functions/pricing/): Standard $0.025 per 1,000 state
 *   transitions, a Distributed Map one per child execution it starts (developer guide, "Transitions in
 *   Distributed Map state"); Express $1.00 per million requests and $0.00001667 per GB-second ($0.06 per
 *   GB-hour for the first 1,000 GB-hours), duration rounded up to 100 ms, memory billed in 64 MB chunks
 *   (50 MB + definition size + execution data size x Map or Parallel steps).
 * - DynamoDB on demand (https://aws.amazon.com/dynamodb/pricing/on-demand/): $0.625 per million write
 *   request units, $0.125 per million read request units.
 * - SNS (https://aws.amazon.com/sns/pricing/): $0.50 per million publishes, $2.00 per 100,000 e-mails.
 * - CloudWatch (https://aws.amazon.com/cloudwatch/pricing/): logs ingested $0.50 per GB; a standard
 *   alarm $0.10 per alarm metric a month.
 * - KMS (https://aws.amazon.com/kms/pricing/): $1 a month per customer managed key (yearly automatic
 *   rotation adds $1 a month for each of the first two rotations: $2 in year two, $3 from year three).
 * - SSM Parameter Store (https://aws.amazon.com/systems-manager/pricing/): standard parameters and standard
 *   throughput at no charge (API interactions are charged only with higher throughput enabled, $0.05 per
 *   10,000); an advanced parameter (above 4 KB) $0.05 a month. The workflow stays within the standard
 *   throughput by construction (one GetParameters per ten deployments), so its reads cost nothing.
 * - What the audit reads, where it is billed: CloudWatch GetMetricData $0.01 per 1,000 metrics requested
 *   (https://aws.amazon.com/cloudwatch/pricing/, "API requests"; no free tier for GetMetricData), Secrets
 *   Manager $0.05 per 10,000 API calls (https://aws.amazon.com/secrets-manager/pricing/). EKS, EC2, RDS,
 *   ELB, Service Quotas, STS and CloudTrail LookupEvents (management events) reads are free.
 * - X-Ray (https://aws.amazon.com/xray/pricing/): $5.00 per million traces recorded. A Lambda function with
 *   active tracing joins the trace of the execution that invoked it (it respects the upstream header), so
 *   an execution is one trace; counted: the parent and every Express child, each sampled.
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
  standardParameter: 0,
  advancedParameter: 0.05,
  cloudwatchMetricRequested: 0.01 / 1000,
  secretsManagerCall: 0.05 / 10_000,
  xrayTrace: 5 / 1e6,
} as const;
/** The workflow's log level (the configuration's default, serverless.workflowLogLevel). */
export const WORKFLOW_LOG_LEVEL = ServerlessSchema.parse({}).workflowLogLevel;
/** Scheduled audits read the NAT gateway metrics every this many hours (the configuration's default). */
export const NAT_READ_EVERY_HOURS = ThresholdsSchema.parse({}).natReadEveryHours;
/** What AWS bills the audit's reads by, per `service:Operation` of the AWS twin's meter (its unit's price). */
export const PAID_READS: Readonly<Record<string, number>> = {
  'cloudwatch:GetMetricData': PRICES.cloudwatchMetricRequested,
  'secretsmanager:GetSecretValue': PRICES.secretsManagerCall,
};
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
/**
 * The modelling assumptions, each printed with the figures. Numbers the model uses are exported beside.
 */
export const MODEL = {
  /** Runtime start-up (Node.js 24 managed runtime, before our module loads) per cold start, in ms. */
  runtimeInitMs: 150,
  /** Log bytes of one Step Functions history event (level ALL, no execution data). */
  logBytesPerHistoryEvent: 350,
  /** START, END and REPORT lines of one invocation (with the X-Ray trace id), in bytes. */
  logBytesPlatformPerInvocation: 450,
  /** Keys Powertools adds to each of our log lines in Lambda (function name, ARN, request id...). */
  logBytesContextPerLine: 300,
  /** Alerts (changes) per deployment a month. */
  alertsPerDeploymentMonth: 10,
  /** An item written or read is at most 1 KB (1 WRU); a strongly consistent read of a few KB: 2 RRU. */
  readUnitsPerRead: 2,
} as const;
export const ASSUMPTIONS: readonly string[] = [
  `hourly audits: ${RUNS_PER_MONTH} runs a month; us-east-1 list prices, no free tier`,
  "cold starts: no execution environment outlives the hour between two runs, so every environment a run needs starts cold: per function, as many as the deployments in flight at once (the Distributed Map's MaxConcurrency times its batch size, at most the fleet: 50 by default); the other invocations of the run reuse them warm",
  `a cold start bills its INIT: runtime start-up (${MODEL.runtimeInitMs} ms, assumed) plus the measured cold module load of the bundle`,
  "invocation durations: measured on one deployment alone (no other audit competing for this machine's CPU, as each Lambda invocation has its own), with the added latency on every simulated call; Lambda gives a 256 MB function about 1/7 of a vCPU (1,769 MB = 1 vCPU), so CPU-bound parts may run slower there than here",
  'Express children: one request each; duration of a batch = that of one deployment (its audits run in parallel), rounded up to 100 ms; memory 50 MB + definition + largest payload x Map iterations, in 64 MB chunks',
  `logs: the workflow at level ${WORKFLOW_LOG_LEVEL} (serverless.workflowLogLevel; no execution data): at ALL, ${MODEL.logBytesPerHistoryEvent} bytes per history event, at ERROR only failed states (none in the steady state), our log lines as measured plus ${MODEL.logBytesContextPerLine} bytes of Lambda context each, ${MODEL.logBytesPlatformPerInvocation} bytes of platform lines per invocation`,
  `DynamoDB: 1 KB items (1 WRU per write), ${MODEL.readUnitsPerRead} RRU per read`,
  `alerts: ${MODEL.alertsPerDeploymentMonth} per deployment a month, each a cold Notify invocation, an SNS publish and one e-mail`,
  "counts: the shape of an execution (parent transitions and history events, child executions, largest payload) from the local run over the fleet; what each deployment's audit does (invocations, DynamoDB requests, its history events and log lines) from one deployment alone in the steady state, times the fleet: locally the fleet's audits share one machine and one simulated platform (one PostgreSQL with its connection slots), so they interfere as separate deployments on AWS do not; the fleet run gets generous client budgets (30 s per call, 120 s per group) for the same reason",
  `paid reads: what one deployment's audit was billed by the AWS twin's meter (GetMetricData per metric requested, GetSecretValue per call), every run, except the NAT gateway metrics, which the sim reads every run and a deployment on the defaults every ${NAT_READ_EVERY_HOURS} hours (thresholds.natReadEveryHours); X-Ray: one trace per execution, parent and each Express child`,
  `per stack, spread over the fleet: one KMS key ($1, first year), ${ALARM_METRICS} alarm metrics ($0.10 each), standard SSM parameters (no charge; the fleet parameter turns advanced above 4 KB)`,
];

export interface FunctionFigures {
  role: FunctionRole;
  /** Bytes of every `.mjs` file the function deploys (entry and chunks, no source maps). */
  bundleBytes: number;
  /** Median ms to import the bundle and its chunks in a fresh `node` process. */
  coldLoadMs: number;
}

/** The shape of one execution over the fleet (counted locally): what the fleet's size changes. */
export interface FleetCounts {
  deployments: number;
  /** Billed transitions of the Standard parent. */
  transitions: number;
  /** Express child executions started. */
  children: number;
  /** Deployments audited at once: the Distributed Map's MaxConcurrency x its batch size, at most the fleet. */
  inFlight: number;
  /** Largest state input or output of any execution (bytes). */
  maxPayloadBytes: number;
  /** History events of the parent execution. */
  parentEvents: number;
}

/**
 * What the audit of one deployment does, counted on one deployment alone in the steady state: the same
 * whatever else the execution audits (on AWS each deployment's audit has its own functions and
 * platform; in the local fleet run they share one machine and one simulated platform, and interfere).
 */
export interface DeploymentCounts {
  invocations: Partial<Record<LocalFunction, number>>;
  dynamoCalls: Record<string, number>;
  /** History events of its child execution (a batch of one: the batch's own events included). */
  childEvents: number;
  /** Bytes of the functions' own log lines, and their count. */
  logBytes: number;
  logLines: number;
  /** Billed units of the audit's AWS reads, per `service:Operation` (the AWS twin's meter). */
  billed: Record<string, number>;
}

/** The per-deployment counts of a steady-state run over one deployment. */
export function deploymentCounts(run: MeasuredRun): DeploymentCounts {
  return {
    invocations: run.lambdaInvocations,
    dynamoCalls: run.dynamoCalls,
    childEvents: run.stateEvents - run.parentStateEvents,
    logBytes: run.logBytes,
    logLines: run.logLines,
    billed: run.billed,
  };
}

/** The shape of an execution over `deployments`, in flight `inFlight` at once. */
export function fleetCounts(run: LocalWorkflowResult, deployments: number, inFlight: number): FleetCounts {
  return {
    deployments,
    transitions: run.transitions,
    children: run.childMs.length,
    inFlight: Math.min(deployments, inFlight),
    maxPayloadBytes: run.maxPayloadBytes,
    parentEvents: run.parentStateEvents,
  };
}

/** Durations of one deployment audited alone (median of the measured runs). */
export interface IsolatedDurations {
  /** Per invocation, by function (ms). */
  lambdaMs: Partial<Record<LocalFunction, number>>;
  /** One child execution (ms). */
  childMs: number;
  /** The parent's own states, outside the Distributed Map (ms). */
  parentMs: number;
}

/**
 * A measured execution with the bytes and lines its functions logged, and the units the AWS twin billed
 * during it (per `service:Operation`).
 */
export type MeasuredRun = LocalWorkflowResult & {
  logBytes: number;
  logLines: number;
  billed: Record<string, number>;
};

export interface FleetFigures {
  deployments: number;
  /** Wall time of the execution over the fleet, measured locally (ms): every audit and twin on this machine. */
  wallMs: number;
  /** Wall time of one deployment, measured locally (ms). */
  wallMsOneDeployment: number;
  /**
   * Wall time on AWS, projected from the measured durations of one deployment and the workflow's
   * concurrency: parent + waves of child executions + the cold starts of the first wave (ms).
   */
  projectedWallMs: number;
  projectedWallMsOneDeployment: number;
  /** Billed transitions of the Standard parent per execution. */
  transitions: number;
  /** Child executions started per execution. */
  childExecutions: number;
  /** Deployments the fleet run audited to the end (all of them, or the figures are off). */
  auditedInFleetRun: number;
  /** Largest state input or output of any execution (bytes; the limit is 262,144). */
  maxPayloadBytes: number;
  /**
   * SSM requests of the fleet run by operation (the fleet's ids once, then one GetParameters per child of
   * ten deployments; no function reads SSM), and how many the SSM twin refused for throughput (40 TPS).
   */
  ssmCalls: Record<string, number>;
  ssmThrottles: number;
  /** Per function: invocations per execution, of which cold starts. */
  invocations: Partial<Record<LocalFunction, { total: number; cold: number; ms: number }>>;
  costPerDeploymentMonthUsd: number;
  costBreakdownUsd: Record<string, number>;
  /**
   * The cost if every function took twice as long on Lambda (invocations and module loads; a 256 MB
   * function has about 1/7 of a vCPU, this machine a whole core).
   */
  costIfLambdaTwiceAsSlowUsd: number;
  /** What one deployment's audit does (steady state, alone): the per-deployment inputs of the cost model. */
  perDeployment: DeploymentCounts;
  assumptions: readonly string[];
  functions: FunctionFigures[];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
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
    AWS_REGION: 'us-east-1',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    // As in Lambda: the function's name is set and tracing is on, so the entry imports the tracer too.
    AWS_LAMBDA_FUNCTION_NAME: 'coder-auditor-bench',
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

/**
 * Count the functions' log lines (INFO, as deployed) while `run` runs, instead of printing them: the
 * local runner's loggers write to stderr.
 */
async function countingLogs<T>(run: () => Promise<T>): Promise<{ value: T; bytes: number; lines: number }> {
  const previous = process.env.LOG_LEVEL;
  process.env.LOG_LEVEL = 'INFO';
  const write = process.stderr.write.bind(process.stderr);
  let bytes = 0;
  let lines = 0;
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (!text.startsWith('{"level"')) return write(chunk, ...rest);
    bytes += Buffer.byteLength(text);
    lines += text.split('\n').filter(Boolean).length;
    return true;
  }) as typeof process.stderr.write;
  try {
    return { value: await run(), bytes, lines };
  } finally {
    process.stderr.write = write;
    if (previous === undefined) delete process.env.LOG_LEVEL;
    else process.env.LOG_LEVEL = previous;
  }
}

/**
 * Run the workflow over `n` simulated deployments: one warm-up execution (first findings, module loads),
 * then `runs` measured ones (the steady state), every simulated call `latencyMs` late.
 */
async function measureFleet(
  n: number,
  scenario: string,
  latencyMs: number,
  runs: number,
): Promise<{ warmup: MeasuredRun; runs: MeasuredRun[] }> {
  const db = await startDynalite();
  const { client } = localClients(db.endpoint);
  const sim = await startSim({ scenario });
  try {
    if (latencyMs > 0)
      sim.faults.set([...sim.scenario.faults, { service: '*', kind: 'latency', ms: latencyMs, rate: 1 }]);
    const tableName = `bench-${n}`;
    await createFindingsTable(client, tableName);
    const ids = Array.from({ length: n }, (_, i) => `d${String(i + 1).padStart(3, '0')}`);
    // Generous client budgets: see ASSUMPTIONS (contention for this machine's CPU is not AWS's).
    const timeouts = { callMs: 30_000, groupMs: 120_000 };
    const fleet = () => ids.map((id) => ({ ...sim.deployment, id, timeouts }));
    const opts = { sim, tableEndpoint: db.endpoint, tableName, input: { trigger: 'schedule' }, fleet };
    const measured = async (): Promise<MeasuredRun> => {
      const before = sim.awsBilled();
      const { value, bytes, lines } = await countingLogs(() => runLocalWorkflow(opts));
      const billed = Object.fromEntries(
        Object.entries(sim.awsBilled())
          .map(([k, v]) => [k, v - (before[k] ?? 0)] as const)
          .filter(([, v]) => v > 0),
      );
      return { ...value, logBytes: bytes, logLines: lines, billed };
    };
    const warmup = await measured();
    const out: MeasuredRun[] = [];
    for (let i = 0; i < runs; i++) out.push(await measured());
    return { warmup, runs: out };
  } finally {
    await sim.stop();
    client.destroy();
    await db.stop();
  }
}

/**
 * Per-invocation durations of one deployment alone: the median over the measured runs; a function the
 * steady state does not call (Notify: nothing changed) from the first run, which alerted.
 */
export function isolatedDurations(
  runs: readonly LocalWorkflowResult[],
  first?: LocalWorkflowResult,
): IsolatedDurations {
  const lambdaMs: IsolatedDurations['lambdaMs'] = {};
  const perInvocation = (r: LocalWorkflowResult, fn: LocalFunction) =>
    (r.lambdaMs[fn] ?? 0) / Math.max(1, r.lambdaInvocations[fn] ?? 1);
  for (const fn of ['infra', 'cluster', 'database', 'coder', 'aggregate', 'notify'] as const) {
    const called = runs.filter((r) => (r.lambdaInvocations[fn] ?? 0) > 0);
    if (called.length) lambdaMs[fn] = median(called.map((r) => perInvocation(r, fn)));
    else if (first?.lambdaInvocations[fn]) lambdaMs[fn] = perInvocation(first, fn);
  }
  return {
    lambdaMs,
    childMs: median(runs.map((r) => median(r.childMs))),
    parentMs: median(runs.map((r) => Math.max(0, r.ms - r.fleetMapMs))),
  };
}

/** Billed memory of an Express child (MB): 50 MB + definition + execution data x Map iterations, 64 MB chunks. */
export function expressBilledMemoryMb(
  definitionBytes: number,
  payloadBytes: number,
  mapIterations: number,
): number {
  const mb = 50 + (definitionBytes + payloadBytes * mapIterations) / (1024 * 1024);
  return Math.ceil(mb / 64) * 64;
}

/** The child definition (the Distributed Map's ItemProcessor) and its Map iterations per deployment. */
function childShape(): { definitionBytes: number; mapIterationsPerDeployment: number } {
  const asl = JSON.parse(readFileSync(ASL_FILE, 'utf8')) as {
    States: { AuditFleet: { ItemProcessor: unknown } };
  };
  const child = JSON.stringify(asl.States.AuditFleet.ItemProcessor);
  // Each deployment is one iteration of the batch's Map and runs one iteration per check group.
  return { definitionBytes: Buffer.byteLength(child), mapIterationsPerDeployment: 1 + 4 };
}

/**
 * Monthly cost per deployment at hourly cadence: the shape of one execution over the fleet, what each
 * deployment's audit does and how long it takes alone, cold starts from the deployments in flight at once
 * (see {@link ASSUMPTIONS}).
 */
export function costModel(
  fleet: FleetCounts,
  one: DeploymentCounts,
  durations: IsolatedDurations,
  functions: readonly FunctionFigures[],
  logLevel: string = WORKFLOW_LOG_LEVEL,
): {
  perDeployment: number;
  breakdown: Record<string, number>;
  invocations: FleetFigures['invocations'];
} {
  const n = RUNS_PER_MONTH;
  const deployments = fleet.deployments;
  const load = Object.fromEntries(functions.map((f) => [f.role, f.coldLoadMs])) as Record<string, number>;
  let gbSeconds = 0;
  let requests = 0;
  const invocations: FleetFigures['invocations'] = {};
  for (const [fn, each] of Object.entries(one.invocations) as Array<[LocalFunction, number]>) {
    const total = each * deployments;
    // As many environments as invocations in flight at once, every one cold (none outlives the hour).
    const cold = Math.min(total, Math.ceil(each * fleet.inFlight));
    const ms = durations.lambdaMs[fn] ?? 0;
    const billedMs = total * ms + cold * (MODEL.runtimeInitMs + (load[fn] ?? 0));
    gbSeconds += (billedMs / 1000) * (MEMORY_MB[fn] / 1024);
    requests += total;
    invocations[fn] = { total, cold, ms: Math.round(ms) };
  }
  // Each alert: one Notify invocation, cold (an alert is rare, its environment gone by the next).
  const alerts = deployments * MODEL.alertsPerDeploymentMonth;
  const notifyGbSeconds =
    (((durations.lambdaMs.notify ?? 0) + MODEL.runtimeInitMs + (load.notify ?? 0)) / 1000) *
    (MEMORY_MB.notify / 1024);
  const lambda =
    n * (gbSeconds * PRICES.lambdaGbSecond + requests * PRICES.lambdaRequest) +
    alerts * (notifyGbSeconds * PRICES.lambdaGbSecond + PRICES.lambdaRequest);
  const standard = n * fleet.transitions * PRICES.sfnTransition;
  const children = fleet.children;
  const shape = childShape();
  const perChild = Math.ceil(deployments / Math.max(1, children));
  const memoryGb =
    expressBilledMemoryMb(
      shape.definitionBytes,
      fleet.maxPayloadBytes,
      perChild * shape.mapIterationsPerDeployment,
    ) / 1024;
  const billedSeconds = Math.ceil(Math.max(durations.childMs, 1) / 100) / 10;
  const express = n * children * (PRICES.expressRequest + billedSeconds * memoryGb * PRICES.expressGbSecond);
  const calls = one.dynamoCalls;
  const sum = (names: string[]) => names.reduce((a, k) => a + (calls[k] ?? 0), 0);
  const writes = sum(['Put', 'PutItem', 'Update', 'UpdateItem', 'Delete', 'DeleteItem', 'BatchWriteItem']);
  const reads = sum(['Get', 'GetItem', 'Query', 'BatchGetItem']);
  const dynamodb =
    n * deployments * (writes * PRICES.ddbWrite + reads * MODEL.readUnitsPerRead * PRICES.ddbRead);
  // At ALL every history event is logged; at ERROR only failed states and executions (none in the steady
  // state: a failing check is a finding, not a failed state).
  const historyEvents = logLevel === 'ALL' ? fleet.parentEvents + deployments * one.childEvents : 0;
  const logBytes =
    historyEvents * MODEL.logBytesPerHistoryEvent +
    deployments * (one.logBytes + one.logLines * MODEL.logBytesContextPerLine) +
    requests * MODEL.logBytesPlatformPerInvocation;
  const logs = ((n * logBytes) / 1e9) * PRICES.logsGb;
  const sns = alerts * (PRICES.snsPublish + PRICES.snsEmail);
  // The sim reads the NAT metrics every run; a deployment on the defaults, every natReadEveryHours hours.
  const share = (op: string) => (op === 'cloudwatch:GetMetricData' ? 1 / NAT_READ_EVERY_HOURS : 1);
  const paidReads =
    n *
    deployments *
    Object.entries(one.billed).reduce((a, [op, units]) => a + units * share(op) * (PAID_READS[op] ?? 0), 0);
  const xray = n * (1 + children) * PRICES.xrayTrace;
  // The fleet parameter holds the ids (JSON, ~8 bytes each); above 4 KB it needs the advanced tier.
  const fleetBytes = deployments * 8;
  const fixed =
    PRICES.kmsKey +
    ALARM_METRICS * PRICES.alarmMetric +
    (fleetBytes > 4096 ? PRICES.advancedParameter : PRICES.standardParameter);
  const breakdown = {
    stepFunctionsStandard: standard,
    stepFunctionsExpress: express,
    lambda,
    dynamodb,
    logs,
    sns,
    paidReads,
    xray,
    perStackFixed: fixed,
  };
  const total = Object.values(breakdown).reduce((a, b) => a + b, 0);
  return {
    perDeployment: total / deployments,
    breakdown: Object.fromEntries(Object.entries(breakdown).map(([k, v]) => [k, v / deployments])),
    invocations,
  };
}

/**
 * Wall time of an execution on AWS: the parent's own states, then the child executions in waves of the
 * Distributed Map's MaxConcurrency, each as long as one deployment alone; the first wave also waits for
 * cold starts (the slowest group function, then aggregate and notify).
 */
export function projectedWallMs(
  durations: IsolatedDurations,
  children: number,
  childConcurrency: number,
  functions: readonly FunctionFigures[],
): number {
  const cold = (role: FunctionRole) =>
    MODEL.runtimeInitMs + (functions.find((f) => f.role === role)?.coldLoadMs ?? 0);
  const firstWaveCold =
    Math.max(cold('infra'), cold('cluster'), cold('database'), cold('coder')) +
    cold('aggregate') +
    cold('notify');
  const waves = Math.ceil(children / Math.max(1, childConcurrency));
  return Math.round(durations.parentMs + waves * durations.childMs + firstWaveCold);
}

const round = (v: number, digits = 5) => Number(v.toFixed(digits));

/** Measure the fleet workflow and the bundles; print the figures as text or JSON. */
export async function benchServerless(
  opts: {
    fleet?: number;
    format?: 'text' | 'json';
    runs?: number;
    scenario?: string;
    /** Added to every simulated call (ms). @default 50 */
    latencyMs?: number;
    print?: (line: string) => void;
  } = {},
): Promise<FleetFigures> {
  const print = opts.print ?? ((l: string) => console.log(l));
  const n = opts.fleet ?? 1;
  const scenario = opts.scenario ?? 'db-sg-missing-5432';
  const latencyMs = opts.latencyMs ?? 50;
  const functions = measureFunctions(opts.runs ?? 5);
  const alone = await measureFleet(1, scenario, latencyMs, 3);
  const durations = isolatedDurations(alone.runs, alone.warmup);
  const steady = alone.runs[alone.runs.length - 1]!;
  const changed = alone.runs.flatMap((r) => r.audits).filter((a) => a.changed || a.notified).length;
  if (changed > 0)
    print(`warning: ${changed} steady-state audit(s) of one deployment changed something; figures are off`);
  const run = n === 1 ? steady : (await measureFleet(n, scenario, latencyMs, 1)).runs[0]!;
  const audited = run.audits.filter((a) => a.deployment !== undefined && !a.failed).length;
  if (audited !== n) print(`warning: ${audited} of ${n} deployments audited in the fleet run`);
  const asl = JSON.parse(readFileSync(ASL_FILE, 'utf8')) as {
    States: { AuditFleet: { MaxConcurrency: number; ItemBatcher: { MaxItemsPerBatch: number } } };
  };
  const childConcurrency = asl.States.AuditFleet.MaxConcurrency;
  const inFlight = childConcurrency * asl.States.AuditFleet.ItemBatcher.MaxItemsPerBatch;
  const counts = [fleetCounts(run, n, inFlight), deploymentCounts(steady)] as const;
  const cost = costModel(...counts, durations, functions);
  const slower = costModel(
    ...counts,
    {
      ...durations,
      lambdaMs: Object.fromEntries(Object.entries(durations.lambdaMs).map(([k, v]) => [k, v * 2])),
    },
    functions.map((f) => ({ ...f, coldLoadMs: f.coldLoadMs * 2 })),
  );
  const figures: FleetFigures = {
    deployments: n,
    wallMs: run.ms,
    wallMsOneDeployment: median(alone.runs.map((r) => r.ms)),
    projectedWallMs: projectedWallMs(durations, run.childMs.length, childConcurrency, functions),
    projectedWallMsOneDeployment: projectedWallMs(durations, 1, childConcurrency, functions),
    transitions: run.transitions,
    childExecutions: run.childMs.length,
    auditedInFleetRun: audited,
    maxPayloadBytes: run.maxPayloadBytes,
    ssmCalls: run.ssmCalls,
    ssmThrottles: run.ssmThrottles,
    invocations: cost.invocations,
    costPerDeploymentMonthUsd: round(cost.perDeployment),
    costBreakdownUsd: Object.fromEntries(Object.entries(cost.breakdown).map(([k, v]) => [k, round(v)])),
    costIfLambdaTwiceAsSlowUsd: round(slower.perDeployment),
    perDeployment: counts[1],
    assumptions: ASSUMPTIONS,
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
    `Workflow run locally over ${n} simulated deployment(s), scenario ${scenario}, ${latencyMs} ms added to every call, steady state:`,
  );
  print(
    `  local wall ${figures.wallMs} ms (one deployment: ${figures.wallMsOneDeployment} ms); projected on AWS ${figures.projectedWallMs} ms (one deployment: ${figures.projectedWallMsOneDeployment} ms)`,
  );
  print(
    `  ${figures.transitions} billed transitions, ${figures.childExecutions} Express child execution(s); largest state payload ${figures.maxPayloadBytes} bytes of 262144; ${figures.auditedInFleetRun} deployment(s) audited`,
  );
  print(
    `  SSM calls: ${
      Object.entries(figures.ssmCalls)
        .map(([op, k]) => `${op} ${k}`)
        .join(', ') || 'none'
    }; throttled ${figures.ssmThrottles}`,
  );
  print(
    `  invocations (cold): ${Object.entries(figures.invocations)
      .map(([fn, i]) => `${fn} ${i!.total} (${i!.cold}) ${i!.ms} ms`)
      .join(', ')}`,
  );
  print(
    `Monthly cost per deployment, hourly: $${figures.costPerDeploymentMonthUsd.toFixed(4)} ($${figures.costIfLambdaTwiceAsSlowUsd.toFixed(4)} if the functions ran twice as slow on Lambda)`,
  );
  print(
    `  ${Object.entries(figures.costBreakdownUsd)
      .map(([k, v]) => `${k} $${v.toFixed(4)}`)
      .join(', ')}`,
  );
  print('Assumptions:');
  for (const a of ASSUMPTIONS) print(`  - ${a}`);
  return figures;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const arg = (name: string) => process.argv[process.argv.indexOf(name) + 1];
  await benchServerless({
    fleet: process.argv.includes('--fleet') ? Number(arg('--fleet')) : 1,
    format: arg('--format') === 'json' ? 'json' : 'text',
  });
}
