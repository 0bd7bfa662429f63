import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DynamoDBClient, UpdateItemCommand, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import type { GroupResult } from '../lambdas/audit/aggregate.js';
import type { AuditConfig } from '../lambdas/audit/config.js';
import type { CheckGroup } from '../lambdas/audit/group.js';
import type { GroupId } from '../lambdas/audit/model.js';
import { clusterGroup } from '../lambdas/checks/cluster/index.js';
import { coderGroup } from '../lambdas/checks/coder/index.js';
import { databaseGroup } from '../lambdas/checks/database/index.js';
import { infraGroup } from '../lambdas/checks/infra/index.js';
import { makeAggregateHandler, type AggregateOutput } from '../lambdas/handlers/aggregate.js';
import { documentClient } from '../lambdas/handlers/dynamo.js';
import { makeGroupHandler, type GroupEvent } from '../lambdas/handlers/group.js';
import { makeNotifyHandler, type AlertMessage, type NotifyOutput } from '../lambdas/handlers/notify.js';
import { localTelemetry } from '../lambdas/handlers/telemetry.js';
import { FindingsStore } from '../lambdas/store/findings-store.js';
import type { Sim } from './index.js';
import { ASL_FILE } from './paths.js';

/** The workflow definition the CDK stack deploys. */
export { ASL_FILE };

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const STATE_MACHINE = 'coder-auditor-local';
const fnArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:coder-auditor-${name}`;

type LocalRunOptions = NonNullable<Parameters<StateMachine['run']>[1]>;
type LocalHandlers = NonNullable<NonNullable<LocalRunOptions['overrides']>['taskResourceLocalHandlers']>;

/** Task state name → group id, as in `statemachines/audit.asl.json`. */
const GROUP_STATES: Record<string, GroupId> = {
  Infra: 'infra',
  Cluster: 'cluster',
  Database: 'database',
  Coder: 'coder',
};
const GROUPS: Record<GroupId, CheckGroup<unknown>> = {
  infra: infraGroup as CheckGroup<unknown>,
  cluster: clusterGroup as CheckGroup<unknown>,
  database: databaseGroup as CheckGroup<unknown>,
  coder: coderGroup as CheckGroup<unknown>,
};
const GATE_STATES = ['AcquireGate', 'ReleaseGate'];
/** Lambda task states other than the group tasks. */
export type LambdaTaskState = 'Infra' | 'Cluster' | 'Database' | 'Coder' | 'Aggregate' | 'Notify';

export interface LocalWorkflowOptions {
  /** The running simulated deployment; its `deployment` config is read at each group invocation. */
  sim: Sim;
  /** DynamoDB endpoint (dynalite) holding the findings table. */
  tableEndpoint: string;
  tableName: string;
  /** Execution name or ARN; the same id replays the same execution. @default a random id */
  executionId?: string;
  /** Called with every alert the Notify task would publish to SNS. */
  onAlert?: (alert: AlertMessage) => void;
  /**
   * Execution input. Every id is audited against the simulated deployment (one sim, several names).
   * @default { deployments: [sim.deployment.id] }
   */
  input?: { deployments: string[]; debounce?: boolean };
  /** Called with every group task's result (what the Aggregate task receives), e.g. to print a report. */
  onGroupResult?: (result: GroupResult) => void;
  /** Replace the handler of a group (e.g. one that throws), keyed by group id. */
  groupHandlers?: Partial<Record<GroupId, (event: GroupEvent) => Promise<GroupResult>>>;
  runbookUrl?: string;
  /** `$$.Execution.StartTime`; pass the first run's to replay an execution exactly. @default now */
  startTime?: Date;
  /** Wrap a Lambda task's handler, e.g. to make the Aggregate task of one deployment fail. */
  intercept?: (state: LambdaTaskState, payload: unknown, next: () => Promise<unknown>) => Promise<unknown>;
  /** The `GroupTaskTimeoutSeconds` substitution (the stack derives it from the groups' deadline). @default 180 */
  groupTaskTimeoutSeconds?: number;
}

export interface LocalWorkflowResult {
  executionId: string;
  startTime: Date;
  /** The execution's output: the input plus one entry per deployment in `audits`. */
  output: {
    deployments: string[];
    audits: Array<Partial<AggregateOutput & NotifyOutput> & { debounced?: boolean }>;
  };
  /** State transitions as Step Functions counts them: states entered plus retries. */
  transitions: number;
  /** Alerts captured instead of publishing to SNS. */
  alerts: AlertMessage[];
  /** Wall-clock duration of the execution in ms. */
  ms: number;
  /** Time spent in each Task state's handler, summed over iterations and retries, in ms. */
  taskMs: Record<string, number>;
  /** DynamoDB commands sent by the store and the gate, by command name. */
  dynamoCalls: Record<string, number>;
  /** JSON bytes of every state's input and output: what `includeExecutionData` logging ingests. */
  executionDataBytes: number;
}

/** Read the ASL and substitute `${Name}` placeholders (as CloudFormation's DefinitionSubstitutions do). */
export function loadDefinition(
  substitutions: Record<string, string>,
  file = ASL_FILE,
): StateMachineDefinition {
  const text = readFileSync(file, 'utf8').replace(/\$\{(\w+)\}/g, (whole, name: string) => {
    const value = substitutions[name];
    if (value === undefined) throw new Error(`no substitution for ${whole} in ${file}`);
    return value;
  });
  return JSON.parse(text) as StateMachineDefinition;
}

/**
 * aws-local-stepfunctions resolves `TimeoutSecondsPath` against a task's Parameters output, Step Functions
 * against the state input: replace the group tasks' path by its value for the local run.
 */
function withLiteralTimeouts(definition: StateMachineDefinition, seconds: number): StateMachineDefinition {
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(visit);
    if (node === null || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === 'TimeoutSecondsPath' && value === '$.groupTaskTimeoutSeconds') out.TimeoutSeconds = seconds;
      else out[key] = visit(value);
    }
    return out;
  };
  return visit(definition) as StateMachineDefinition;
}

/** Error named as Step Functions names a failed DynamoDB integration (`DynamoDB.<Exception>`). */
class IntegrationError extends Error {
  public constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/**
 * Execute the real `statemachines/audit.asl.json` with aws-local-stepfunctions: Lambda tasks run the
 * real handlers in-process against the simulated deployment, the DynamoDB integration and the store use
 * dynalite, and SNS is an in-memory publisher. Waits and retry pauses are zeroed.
 */
export async function runLocalWorkflow(opts: LocalWorkflowOptions): Promise<LocalWorkflowResult> {
  const executionName = opts.executionId?.split(':').pop() ?? randomUUID();
  const executionId = opts.executionId?.startsWith('arn:')
    ? opts.executionId
    : `arn:aws:states:${REGION}:${ACCOUNT}:execution:${STATE_MACHINE}:${executionName}`;
  const ddbClient = new DynamoDBClient({
    endpoint: opts.tableEndpoint,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 2,
  });
  const store = new FindingsStore({
    client: documentClient(ddbClient),
    tableName: opts.tableName,
    foldUnnotified: true,
  });
  const input = opts.input ?? { deployments: [opts.sim.deployment.id] };
  const ids = [...new Set([opts.sim.deployment.id, ...input.deployments])];
  const config = (): AuditConfig => ({
    deployments: ids.map((id) => ({ ...opts.sim.deployment, id })),
    schedule: 'rate(1 hour)',
  });
  const alerts: AlertMessage[] = [];
  const startTime = opts.startTime ?? new Date();
  const runbook = opts.runbookUrl ? { runbookUrl: opts.runbookUrl } : {};

  const owned = Object.entries(GROUPS).map(
    ([id, group]) => [id, makeGroupHandler(group, { config, telemetry: localTelemetry() })] as const,
  );
  const groupHandlers = Object.fromEntries(
    owned.map(([id, handler]) => {
      const run = opts.groupHandlers?.[id as GroupId] ?? handler;
      const observed = async (event: GroupEvent) => {
        const result = await run(event);
        opts.onGroupResult?.(result);
        return result;
      };
      return [id, observed];
    }),
  ) as Record<GroupId, (event: GroupEvent) => Promise<GroupResult>>;
  const aggregateHandler = makeAggregateHandler({ store, telemetry: localTelemetry(), ...runbook });
  const notifyHandler = makeNotifyHandler({
    store,
    telemetry: localTelemetry(),
    ...runbook,
    publish: async (alert) => {
      alerts.push(alert);
      opts.onAlert?.(alert);
      return `local-${alerts.length}`;
    },
  });

  type Handler = (input: unknown) => Promise<unknown>;
  // aws-local-stepfunctions restarts `$$.Execution.StartTime` in every Map iteration and Parallel branch;
  // in AWS it is the execution's start. Restore it in the payloads, so replays agree as they do in AWS.
  const startedAt = startTime.toISOString();
  const invoke =
    <E>(state: LambdaTaskState, fn: (event: E) => Promise<unknown>): Handler =>
    async (input) => {
      const payload = (input as { Payload: E }).Payload;
      const event =
        payload && typeof payload === 'object' && 'startedAt' in payload
          ? { ...payload, startedAt }
          : payload;
      const run = (): Promise<unknown> => fn(event);
      return { Payload: await (opts.intercept ? opts.intercept(state, event, run) : run()) };
    };
  const taskMs: Record<string, number> = {};
  const timed =
    (state: string, fn: Handler): Handler =>
    async (input) => {
      const t = performance.now();
      try {
        return await fn(input);
      } finally {
        taskMs[state] = Math.round((taskMs[state] ?? 0) + performance.now() - t);
      }
    };
  const dynamoCalls: Record<string, number> = {};
  ddbClient.middlewareStack.add(
    (next, context) => (args) => {
      const name = String(context.commandName ?? 'unknown').replace(/Command$/, '');
      dynamoCalls[name] = (dynamoCalls[name] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'countDynamoCalls' },
  );
  const updateItem: Handler = async (input) => {
    try {
      const { $metadata: _, ...out } = await ddbClient.send(
        new UpdateItemCommand(input as UpdateItemCommandInput),
      );
      return out;
    } catch (err) {
      const e = err as Error;
      throw new IntegrationError(`DynamoDB.${e.name}`, e.message);
    }
  };
  const handlers: Record<string, Handler> = {
    Aggregate: invoke('Aggregate', aggregateHandler),
    Notify: invoke('Notify', notifyHandler),
  };
  for (const [state, group] of Object.entries(GROUP_STATES)) {
    handlers[state] = invoke(state as LambdaTaskState, groupHandlers[group]);
  }
  for (const state of GATE_STATES) handlers[state] = updateItem;
  for (const [state, fn] of Object.entries(handlers)) handlers[state] = timed(state, fn);

  const definition = loadDefinition({
    InfraFunctionArn: fnArn('infra'),
    ClusterFunctionArn: fnArn('cluster'),
    DatabaseFunctionArn: fnArn('database'),
    CoderFunctionArn: fnArn('coder'),
    AggregateFunctionArn: fnArn('aggregate'),
    NotifyFunctionArn: fnArn('notify'),
    TableName: opts.tableName,
    GroupTaskTimeoutSeconds: String(opts.groupTaskTimeoutSeconds ?? 180),
  });
  const machine = new StateMachine(withLiteralTimeouts(definition, opts.groupTaskTimeoutSeconds ?? 180));
  const t0 = performance.now();
  const retryZero = Object.fromEntries([...Object.keys(handlers)].map((s) => [s, 0]));
  const execution = machine.run(input, {
    overrides: {
      taskResourceLocalHandlers: handlers as unknown as LocalHandlers,
      waitTimeOverrides: { Settle: 0 },
      retryIntervalOverrides: retryZero,
    },
    context: {
      Execution: {
        Id: executionId,
        Name: executionName,
        Input: input,
        StartTime: startTime.toISOString(),
      },
      StateMachine: {
        Id: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${STATE_MACHINE}`,
        Name: STATE_MACHINE,
      },
    },
  });
  let transitions = 0;
  let executionDataBytes = 0;
  const counting = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateEntered' || event.type === 'StateRetried') transitions += 1;
      if (event.type === 'StateEntered' || event.type === 'StateExited') {
        const { input: i, output: o } = event.state;
        executionDataBytes +=
          JSON.stringify(i ?? null).length + (o === undefined ? 0 : JSON.stringify(o).length);
      }
    }
  })();
  try {
    const output = (await execution.result) as unknown as LocalWorkflowResult['output'];
    await counting;
    const ms = Math.round(performance.now() - t0);
    return {
      executionId,
      startTime,
      output,
      transitions,
      alerts,
      ms,
      taskMs,
      dynamoCalls,
      executionDataBytes,
    };
  } finally {
    ddbClient.destroy();
    for (const [, handler] of owned) handler.close();
  }
}
