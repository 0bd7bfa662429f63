import { describe, expect, it } from 'vitest';
import {
  MEMORY_MB,
  MODEL,
  NAT_READ_EVERY_HOURS,
  PRICES,
  RUNS_PER_MONTH,
  WORKFLOW_LOG_LEVEL,
  costModel,
  expressBilledMemoryMb,
  isolatedDurations,
  projectedWallMs,
  type DeploymentCounts,
  type FleetCounts,
  type FunctionFigures,
  type IsolatedDurations,
} from '../../scripts/bench-serverless.js';
import type { LocalWorkflowResult } from '../../sim/workflow.js';

const functions: FunctionFigures[] = (
  ['infra', 'cluster', 'database', 'coder', 'aggregate', 'notify'] as const
).map((role) => ({ role, bundleBytes: 1, coldLoadMs: 200 }));
const durations: IsolatedDurations = {
  lambdaMs: { infra: 300, cluster: 300, database: 500, coder: 300, aggregate: 100, notify: 150 },
  childMs: 1_000,
  parentMs: 50,
};
/** One deployment's audit: the four groups and Aggregate once each, two writes and a read. */
const one: DeploymentCounts = {
  invocations: { infra: 1, cluster: 1, database: 1, coder: 1, aggregate: 1 },
  dynamoCalls: { PutItem: 1, UpdateItem: 1, Query: 1 },
  childEvents: 100,
  logBytes: 2_000,
  logLines: 5,
  // Two NAT gateways read (two metrics each), two secrets; reads AWS does not bill count for nothing.
  billed: { 'cloudwatch:GetMetricData': 4, 'secretsmanager:GetSecretValue': 2, 'eks:DescribeCluster': 3 },
};
/** One execution over 100 deployments: ten children of ten, `inFlight` at once. */
function fleet(inFlight: number): FleetCounts {
  return {
    deployments: 100,
    transitions: 16,
    children: 10,
    inFlight,
    maxPayloadBytes: 20_000,
    parentEvents: 20,
  };
}

describe('Function: costModel', () => {
  it('bills INIT only to the cold starts: one per invocation in flight at once, the others warm', () => {
    const fifty = costModel(fleet(50), one, durations, functions);
    const all = costModel(fleet(100), one, durations, functions);
    expect(fifty.invocations.infra).toEqual({ total: 100, cold: 50, ms: 300 });
    expect(all.invocations.infra).toEqual({ total: 100, cold: 100, ms: 300 });
    // 50 more cold starts of each of five functions, each (runtime + module load) at its memory.
    const gbSeconds = (['infra', 'cluster', 'database', 'coder', 'aggregate'] as const).reduce(
      (sum, fn) => sum + 50 * ((MODEL.runtimeInitMs + 200) / 1000) * (MEMORY_MB[fn] / 1024),
      0,
    );
    const extra = (RUNS_PER_MONTH * gbSeconds * PRICES.lambdaGbSecond) / 100;
    expect(all.breakdown.lambda! - fifty.breakdown.lambda!).toBeCloseTo(extra, 10);
  });

  it('bills the Standard parent per transition and each Express child per request and 100 ms of 64 MB', () => {
    const { breakdown } = costModel(fleet(50), one, durations, functions, 'ALL');
    expect(breakdown.stepFunctionsStandard).toBeCloseTo(
      (RUNS_PER_MONTH * 16 * PRICES.sfnTransition) / 100,
      12,
    );
    const child = PRICES.expressRequest + 1 * (64 / 1024) * PRICES.expressGbSecond;
    expect(breakdown.stepFunctionsExpress).toBeCloseTo((RUNS_PER_MONTH * 10 * child) / 100, 12);
    // What each deployment's audit does, times the fleet, over the fleet: per deployment.
    const rw = 2 * PRICES.ddbWrite + 1 * MODEL.readUnitsPerRead * PRICES.ddbRead;
    expect(breakdown.dynamodb).toBeCloseTo(RUNS_PER_MONTH * rw, 12);
    const bytes =
      (20 / 100 + 100) * MODEL.logBytesPerHistoryEvent +
      2_000 +
      5 * MODEL.logBytesContextPerLine +
      5 * MODEL.logBytesPlatformPerInvocation;
    expect(breakdown.logs).toBeCloseTo(((RUNS_PER_MONTH * bytes) / 1e9) * PRICES.logsGb, 12);
    // At the default level (ERROR) no history event of a steady run is logged: the functions' lines remain.
    expect(WORKFLOW_LOG_LEVEL).toBe('ERROR');
    const quiet = costModel(fleet(50), one, durations, functions).breakdown.logs!;
    const linesOnly = 2_000 + 5 * MODEL.logBytesContextPerLine + 5 * MODEL.logBytesPlatformPerInvocation;
    expect(quiet).toBeCloseTo(((RUNS_PER_MONTH * linesOnly) / 1e9) * PRICES.logsGb, 12);
    // The stack's fixed costs spread over the fleet.
    expect(breakdown.perStackFixed).toBeCloseTo((PRICES.kmsKey + 7 * PRICES.alarmMetric) / 100, 12);
  });

  it('bills the reads AWS charges for (metrics requested, secrets read) every run, and a trace per execution', () => {
    const { breakdown, perDeployment } = costModel(fleet(50), one, durations, functions);
    // The NAT metrics (measured every run in the sim) are read every natReadEveryHours (6) by default.
    expect(NAT_READ_EVERY_HOURS).toBe(6);
    const reads = (4 / 6) * PRICES.cloudwatchMetricRequested + 2 * PRICES.secretsManagerCall;
    expect(breakdown.paidReads).toBeCloseTo(RUNS_PER_MONTH * reads, 12);
    // Read hourly, two gateways would cost $0.029 per deployment-month: more than the rest of the audit.
    expect(RUNS_PER_MONTH * 4 * PRICES.cloudwatchMetricRequested).toBeGreaterThan(0.029);
    expect(breakdown.xray).toBeCloseTo((RUNS_PER_MONTH * 11 * PRICES.xrayTrace) / 100, 12);
    const without = costModel(fleet(50), { ...one, billed: {} }, durations, functions).perDeployment;
    expect(perDeployment - without).toBeCloseTo(breakdown.paidReads!, 12);
  });
});

describe('Function: expressBilledMemoryMb', () => {
  it('is 50 MB + definition + payload x Map iterations, in 64 MB chunks', () => {
    expect(expressBilledMemoryMb(30_000, 24_000, 50)).toBe(64);
    expect(expressBilledMemoryMb(30_000, 256 * 1024, 80)).toBe(128);
  });
});

describe('Function: projectedWallMs', () => {
  it('runs the children in waves of the Map concurrency after the cold starts of the first wave', () => {
    const cold = 3 * (MODEL.runtimeInitMs + 200);
    expect(projectedWallMs(durations, 1, 5, functions)).toBe(50 + 1_000 + cold);
    expect(projectedWallMs(durations, 10, 5, functions)).toBe(50 + 2 * 1_000 + cold);
  });
});

describe('Function: isolatedDurations', () => {
  it('takes the median per invocation, and Notify from the first run when the steady state sends nothing', () => {
    const run = (ms: number): LocalWorkflowResult =>
      ({
        lambdaMs: { infra: ms * 2 },
        lambdaInvocations: { infra: 2 },
        childMs: [ms],
        ms: ms + 10,
        fleetMapMs: ms,
      }) as unknown as LocalWorkflowResult;
    const first = {
      ...run(999),
      lambdaMs: { notify: 120 },
      lambdaInvocations: { notify: 1 },
    } as unknown as LocalWorkflowResult;
    expect(isolatedDurations([run(100), run(300), run(200)], first)).toEqual({
      lambdaMs: { infra: 200, notify: 120 },
      childMs: 200,
      parentMs: 10,
    });
  });
});
