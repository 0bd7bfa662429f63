import type { AggregatedAudit } from '../lambdas/audit/aggregate.js';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
  type GetItemCommandInput,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { GetParameterCommand, GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import type { Context } from 'aws-lambda';
import type { GroupResult } from '../lambdas/audit/aggregate.js';
import type { DeploymentConfig } from '../lambdas/audit/config.js';
import type { CheckGroup } from '../lambdas/audit/group.js';
import type { GroupId } from '../lambdas/audit/model.js';
import { clusterGroup } from '../lambdas/checks/cluster/index.js';
import { coderGroup } from '../lambdas/checks/coder/index.js';
import { databaseGroup } from '../lambdas/checks/database/index.js';
import { infraGroup } from '../lambdas/checks/infra/index.js';
import { makeAggregateHandler, type AggregateOutput } from '../lambdas/handlers/aggregate.js';
import { deploymentParameterName, type PolicySource } from '../lambdas/handlers/policy.js';
import { deploymentDocument, fleetParameterName } from '../lambdas/handlers/runtime.js';
import type { AuditorEvent } from '../lambdas/notify/events.js';
import { documentClient } from '../lambdas/handlers/dynamo.js';
import { CLUSTER_CLIENTS } from '../lambdas/checks/cluster/clients.js';
import { CODER_CLIENTS } from '../lambdas/checks/coder/clients.js';
import { DATABASE_CLIENTS } from '../lambdas/checks/database/clients.js';
import { INFRA_CLIENTS } from '../lambdas/checks/infra/clients.js';
import type { AwsClientFactories } from '../lambdas/clients/aws.js';
import { makeGroupHandler, type GroupEvent, type GroupHandler } from '../lambdas/handlers/group.js';
import {
  makeNotifyHandler,
  notifyPersistence,
  type AlertMessage,
  type NotifyOutput,
} from '../lambdas/handlers/notify.js';
import {
  STATE_PAYLOAD_LIMIT_BYTES,
  payloadBytes,
  unpackGroupResults,
  type PackedGroupResult,
} from '../lambdas/handlers/payload.js';
import { localTelemetry } from '../lambdas/handlers/telemetry.js';
import { FindingsStore } from '../lambdas/store/findings-store.js';
import { ResultStore } from '../lambdas/store/results.js';
import { SimParameterStore } from './aws/parameters.js';
import type { Sim } from './index.js';
import { ASL_FILE } from './paths.js';

/** The SDK clients of each group's function (`lambdas/checks/<group>/clients.ts`). */
const GROUP_CLIENTS: Record<GroupId, AwsClientFactories> = {
  infra: INFRA_CLIENTS,
  cluster: CLUSTER_CLIENTS,
  database: DATABASE_CLIENTS,
  coder: CODER_CLIENTS,
};

/** The workflow definition the CDK stack deploys. */
export { ASL_FILE };

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const STATE_MACHINE = 'coder-auditor-local';
/** Where the local stack's configuration lives in the SSM twin (the stack's `/coder-auditor/<stack>`). */
export const LOCAL_PARAMETER_PREFIX = '/coder-auditor/local';
const fnArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:coder-auditor-${name}`;
/** The Distributed Map state of the parent, emulated here (aws-local-stepfunctions runs Maps inline). */
const FLEET_MAP = 'AuditFleet';

type LocalRunOptions = NonNullable<Parameters<StateMachine['run']>[1]>;
type LocalHandlers = NonNullable<NonNullable<LocalRunOptions['overrides']>['taskResourceLocalHandlers']>;
type Handler = (input: unknown) => Promise<unknown>;
type Json = Record<string, unknown>;

const GROUPS: Record<GroupId, CheckGroup<unknown>> = {
  infra: infraGroup as CheckGroup<unknown>,
  cluster: clusterGroup as CheckGroup<unknown>,
  database: databaseGroup as CheckGroup<unknown>,
  coder: coderGroup as CheckGroup<unknown>,
};
/** Lambda task states of the per-deployment child. */
export type LambdaTaskState = 'CheckGroup' | 'Aggregate' | 'Notify';
/** The functions the workflow invokes. */
export type LocalFunction = GroupId | 'aggregate' | 'notify';

/**
 * Step Functions fails an execution whose state input or output exceeds 256 KiB with
 * `States.DataLimitExceeded`, an error no `States.ALL` Catch handles; aws-local-stepfunctions has no
 * limit, so the local runner enforces it (and the error ends the execution, parent or child).
 */
export class DataLimitExceededError extends Error {
  public constructor(
    public readonly where: string,
    public readonly bytes: number,
  ) {
    super(`${where}: ${bytes} bytes, above the ${STATE_PAYLOAD_LIMIT_BYTES} bytes Step Functions allows`);
    this.name = 'States.DataLimitExceeded';
  }
}

/** An error as the Distributed Map names it when too many children failed. */
class StatesError extends Error {
  public constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

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
   * Execution input, as the schedule, the deploy rules or a person give it.
   * @default { deployments: [sim.deployment.id] }
   */
  input?: { deployments?: string[]; debounce?: boolean; trigger?: string; release?: Json };
  /**
   * The fleet: written to the SSM twin before the run as the stack writes it (one parameter per
   * deployment, and the fleet's ids, which the parent reads when the input names none).
   * @default every input id on the simulated deployment (`sim.deployment` renamed)
   */
  fleet?: () => DeploymentConfig[];
  /**
   * Each deployment's mutes and overrides, written into its parameter (Aggregate applies them).
   * @default none
   */
  policies?: PolicySource;
  /**
   * Where the Aggregate task puts its EventBridge events (e.g. `putAuditorEvents` with a client of the
   * EventBridge twin, sim/eventbridge.ts). @default kept in the result's `events`
   */
  putEvents?: (events: AuditorEvent[]) => Promise<unknown>;
  /** Called with every group result (findings loaded back when sent by reference), e.g. for a report. */
  onGroupResult?: (result: GroupResult) => void;
  /** Replace the handler of a group (e.g. one that throws), keyed by group id. */
  groupHandlers?: Partial<Record<GroupId, (event: GroupEvent) => Promise<PackedGroupResult>>>;
  runbookUrl?: string;
  /** `$$.Execution.StartTime`; pass the first run's to replay an execution exactly. @default now */
  startTime?: Date;
  /** Wrap a Lambda task's handler, e.g. to make the Aggregate task of one deployment fail. */
  intercept?: (state: LambdaTaskState, payload: unknown, next: () => Promise<unknown>) => Promise<unknown>;
  /** Called before a service-integration task (DynamoDB, SSM) runs, with its state name. */
  beforeTask?: (state: string) => Promise<void>;
  /** The `GroupTaskTimeoutSeconds` substitution (the stack derives it from the groups' deadline). @default 180 */
  groupTaskTimeoutSeconds?: number;
  /** The Distributed Map's MaxConcurrency (the stack sets it). @default the ASL's */
  maxConcurrency?: number;
  /** Another definition file (tests of the limits). @default statemachines/audit.asl.json */
  definitionFile?: string;
}

export interface LocalWorkflowResult {
  executionId: string;
  startTime: Date;
  /** The parent execution's output. */
  output: { deployments?: string[]; audits?: string; debounced?: boolean };
  /**
   * The audit results, parsed and flattened from the child outputs (one per deployment, in input order;
   * a failed child execution leaves one `{Error, Cause}` for its whole batch).
   */
  audits: Array<
    Partial<AggregateOutput & NotifyOutput> & {
      deployment?: string;
      failed?: boolean;
      Error?: string;
      Cause?: string;
    }
  >;
  /** Billed state transitions of the Standard parent: states entered, retries, one per child started. */
  transitions: number;
  /** Express child executions started (one per batch of deployments), and their wall times in ms. */
  childMs: number[];
  /** State transitions inside the children (not billed per transition: Express). */
  childTransitions: number;
  /** Largest state input or output (and task result) of any execution, in bytes of JSON. */
  maxPayloadBytes: number;
  /** The reports the Aggregate task recorded, one per deployment audited (in completion order). */
  reports: AggregatedAudit[];
  /** Alerts captured instead of publishing to SNS. */
  alerts: AlertMessage[];
  /** Events the Aggregate task put (when no `putEvents` was given). */
  events: AuditorEvent[];
  /** Wall-clock duration of the execution in ms. */
  ms: number;
  /** Time spent in each function, summed over invocations and retries, in ms; and invocations. */
  lambdaMs: Partial<Record<LocalFunction, number>>;
  lambdaInvocations: Partial<Record<LocalFunction, number>>;
  /** Most invocations of each function in flight at once: the execution environments it needs. */
  lambdaPeakConcurrency: Partial<Record<LocalFunction, number>>;
  /** DynamoDB commands sent by the store, the result store and the integrations, by command name. */
  dynamoCalls: Record<string, number>;
  /** SSM requests the workflow sent (attempts, SDK retries included), by operation. */
  ssmCalls: Record<string, number>;
  /** SSM requests the twin refused for throughput (`ThrottlingException`) during the run. */
  ssmThrottles: number;
  /** JSON bytes of every state's input and output: what `includeExecutionData` logging would ingest. */
  executionDataBytes: number;
  /**
   * History events of parent and children as Step Functions writes them, which level-ALL logging (without
   * execution data) sends to CloudWatch Logs one log event each: see {@link historyEventsOf}.
   */
  stateEvents: number;
  /** The history events of the parent execution alone (the rest are the children's). */
  parentStateEvents: number;
  /** Wall time of the Distributed Map (all child executions), in ms: the rest is the parent's own. */
  fleetMapMs: number;
}

/**
 * History events Step Functions records for one event of the local engine: an execution starts and ends
 * with one each; a Task state writes entered, scheduled, started, succeeded (or failed) and exited; a Map
 * state entered, started, succeeded and exited, and one started and one succeeded (or failed) per
 * iteration; a retry scheduled, started and failed again; any other state entered and exited
 * (`HistoryEvent` types of the Step Functions API: TaskStateEntered, TaskScheduled, TaskStarted,
 * TaskSucceeded, TaskStateExited, MapStateStarted, MapIterationStarted...).
 */
export function historyEventsOf(event: { type: string; state?: { type?: string } }): number {
  switch (event.type) {
    case 'ExecutionStarted':
    case 'ExecutionSucceeded':
    case 'ExecutionFailed':
    case 'ExecutionAborted':
    case 'ExecutionTimeout':
    case 'MapIterationStarted':
    case 'MapIterationSucceeded':
    case 'MapIterationFailed':
      return 1;
    case 'StateEntered':
      return event.state?.type === 'Task' ? 4 : event.state?.type === 'Map' ? 2 : 1;
    case 'StateExited':
      return event.state?.type === 'Map' ? 2 : 1;
    case 'StateRetried':
      return 3;
    default:
      return 0;
  }
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
 * against the state input: replace the group task's path by its value for the local run.
 */
function withLiteralTimeouts<T>(node: T, seconds: number): T {
  if (Array.isArray(node)) return node.map((n: unknown) => withLiteralTimeouts(n, seconds)) as T;
  if (node === null || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'TimeoutSecondsPath') out.TimeoutSeconds = seconds;
    else out[key] = withLiteralTimeouts(value, seconds);
  }
  return out as T;
}

/** Error named as Step Functions names a failed service integration (`DynamoDB.<Exception>`). */
class IntegrationError extends Error {
  public constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** The value at a simple JSONPath (`$`, `$.a.b`). */
function at(doc: unknown, path: string): unknown {
  return path
    .replace(/^\$\.?/, '')
    .split('.')
    .filter(Boolean)
    .reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Json)[k] : undefined), doc);
}

/** Run `fn` over `items`, at most `limit` at once, keeping order. */
async function pool<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

interface Observed {
  transitions: number;
  events: number;
  dataBytes: number;
}

/**
 * Write the fleet's configuration to the SSM twin as the stack writes it (lib/configuration.ts): one
 * parameter per deployment with its mutes and overrides, and the fleet's ids. Locally the document keeps
 * the database's CA file (the sim's own CA; in Lambda the runtime's bundle is trusted instead).
 */
export async function writeConfiguration(
  store: SimParameterStore,
  account: string,
  fleet: readonly DeploymentConfig[],
  policies?: PolicySource,
): Promise<void> {
  store.deleteUnder(account, `${LOCAL_PARAMETER_PREFIX}/`);
  for (const d of fleet) {
    const policy = policies ? await policies(d.id) : {};
    const doc = { ...deploymentDocument(d, policy), ...(d.database ? { database: d.database } : {}) };
    store.put(account, deploymentParameterName(LOCAL_PARAMETER_PREFIX, d.id), JSON.stringify(doc));
  }
  store.put(account, fleetParameterName(LOCAL_PARAMETER_PREFIX), JSON.stringify(fleet.map((d) => d.id)));
}

/**
 * The audits of the child outputs: each batch's `audits`, then one failed entry per deployment of the batch
 * whose parameter is missing (`missing`) or whose configuration could not be read (`unread`); a failed child
 * execution stays one `{Error, Cause}` for its whole batch.
 */
function batchAudits(batches: unknown[]): LocalWorkflowResult['audits'] {
  const idOf = (name: string) => name.slice(name.lastIndexOf('/') + 1);
  return batches.flatMap((raw) => {
    const b = raw as {
      audits?: LocalWorkflowResult['audits'];
      missing?: string[];
      unread?: string[];
      error?: string;
    };
    if (!b.audits) return [raw as LocalWorkflowResult['audits'][number]];
    return [
      ...b.audits,
      ...(b.missing ?? []).map((n) => ({
        deployment: idOf(n),
        failed: true,
        Error: 'ParameterNotFound',
        Cause: n,
      })),
      ...(b.unread ?? []).map((id) => ({
        deployment: id,
        failed: true,
        Error: b.error ?? 'ConfigurationUnread',
      })),
    ];
  });
}

/**
 * Execute the real `statemachines/audit.asl.json` with aws-local-stepfunctions, as Step Functions would:
 * the Standard parent runs locally, its Distributed Map starts one child execution per batch of deployments
 * (each its own execution, with the tolerated-failure threshold), every state payload is held to 256 KiB
 * (`States.DataLimitExceeded` ends the execution it occurs in). Lambda tasks run the real handlers
 * in-process against the simulated deployment; the DynamoDB integrations, the stores and the Notify
 * function's idempotency records use dynalite; the configuration is written to the SSM twin and read from it
 * by the SSM integrations with the real SDK (its throughput enforced); SNS is an in-memory publisher.
 * Waits and retry pauses are zeroed.
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
  const doc = documentClient(ddbClient);
  const store = new FindingsStore({ client: doc, tableName: opts.tableName, foldUnnotified: true });
  const results = new ResultStore({ client: doc, tableName: opts.tableName });
  const input = opts.input ?? { deployments: [opts.sim.deployment.id] };
  const fleet =
    opts.fleet ??
    (() =>
      [...new Set([opts.sim.deployment.id, ...(input.deployments ?? [])])].map((id) => ({
        ...opts.sim.deployment,
        id,
      })));
  const ssm = new SSMClient({
    endpoint: opts.sim.deployment.aws.endpoint,
    region: opts.sim.env.region,
    credentials: opts.sim.env.credentials,
  });
  const parameters = opts.sim.env.parameters;
  await writeConfiguration(parameters, opts.sim.env.accountId, fleet(), opts.policies);
  const alerts: AlertMessage[] = [];
  const events: AuditorEvent[] = [];
  const startTime = opts.startTime ?? new Date();
  const startedAt = startTime.toISOString();
  const runbook = opts.runbookUrl ? { runbookUrl: opts.runbookUrl } : {};

  const owned: GroupHandler[] = [];
  const groupHandlers = Object.fromEntries(
    (Object.entries(GROUPS) as Array<[GroupId, CheckGroup<unknown>]>).map(([id, group]) => {
      const own = makeGroupHandler(group, {
        results,
        telemetry: localTelemetry(),
        // The SDK clients each group function bundles: the local run fails as Lambda would on a missing one.
        awsClients: GROUP_CLIENTS[id],
      });
      owned.push(own);
      const run = opts.groupHandlers?.[id] ?? own;
      const observed = async (event: GroupEvent): Promise<PackedGroupResult> => {
        const result = await run(event);
        if (opts.onGroupResult) opts.onGroupResult((await unpackGroupResults([result], results))[0]!);
        return result;
      };
      return [id, observed];
    }),
  ) as Record<GroupId, (event: GroupEvent) => Promise<PackedGroupResult>>;
  const reports: AggregatedAudit[] = [];
  const aggregateHandler = makeAggregateHandler({
    store,
    results,
    telemetry: localTelemetry(),
    ...runbook,
    ...(opts.policies ? { policies: opts.policies } : {}),
    putEvents: opts.putEvents ?? (async (e) => events.push(...e)),
    onAudit: (audit) => reports.push(audit),
  });
  const notifyHandler = makeNotifyHandler({
    store,
    telemetry: localTelemetry(),
    persistence: notifyPersistence(ddbClient, opts.tableName),
    publish: async (alert) => {
      alerts.push(alert);
      opts.onAlert?.(alert);
      return `local-${alerts.length}`;
    },
  });
  /** A Lambda context as the runtime gives it: the Notify idempotency claim lasts the remaining time. */
  const lambdaContext = (fn: string, timeoutMs: number): Context => {
    const deadline = Date.now() + timeoutMs;
    return {
      functionName: `coder-auditor-${fn}`,
      awsRequestId: randomUUID(),
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    } as unknown as Context;
  };

  const lambdaMs: LocalWorkflowResult['lambdaMs'] = {};
  const lambdaInvocations: LocalWorkflowResult['lambdaInvocations'] = {};
  const lambdaPeakConcurrency: LocalWorkflowResult['lambdaPeakConcurrency'] = {};
  const inFlight: Partial<Record<LocalFunction, number>> = {};
  const timed = async <T>(fn: LocalFunction, run: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    lambdaInvocations[fn] = (lambdaInvocations[fn] ?? 0) + 1;
    inFlight[fn] = (inFlight[fn] ?? 0) + 1;
    lambdaPeakConcurrency[fn] = Math.max(lambdaPeakConcurrency[fn] ?? 0, inFlight[fn]);
    try {
      return await run();
    } finally {
      inFlight[fn] -= 1;
      lambdaMs[fn] = Math.round((lambdaMs[fn] ?? 0) + performance.now() - t);
    }
  };
  const lambda: Record<LambdaTaskState, (payload: Json) => Promise<unknown>> = {
    CheckGroup: (p) =>
      timed(p.group as GroupId, () => groupHandlers[p.group as GroupId](p as unknown as GroupEvent)),
    Aggregate: (p) => timed('aggregate', () => aggregateHandler(p as never)),
    Notify: (p) => timed('notify', () => notifyHandler(p as never, lambdaContext('notify', 30_000))),
  };

  const dynamoCalls = countCommands(ddbClient, 'initialize');
  // Counted per request sent (retries of a throttled read included), as SSM's rate counts them.
  const ssmCalls = countCommands(ssm, 'finalizeRequest');
  const throttledBefore = SimParameterStore.total(parameters.throttled);
  const integration = async <T>(service: string, send: () => Promise<T & { $metadata?: unknown }>) => {
    try {
      const { $metadata: _, ...out } = await send();
      return out;
    } catch (err) {
      const e = err as Error;
      // An AWS SDK integration names its errors `<Service>.<Name>Exception`, adding the suffix a service's own
      // name lacks (developer guide, "AWS SDK service integrations": SSM's InternalServerError is
      // Ssm.InternalServerErrorException); the optimized DynamoDB integration keeps the service's names.
      const name = service === 'DynamoDB' || e.name.endsWith('Exception') ? e.name : `${e.name}Exception`;
      throw new IntegrationError(`${service}.${name}`, e.message);
    }
  };
  const services: Record<string, (state: string, input: Json) => Promise<unknown>> = {
    'arn:aws:states:::dynamodb:updateItem': (_state, p) => {
      const values = p.ExpressionAttributeValues as Record<string, { S?: string }> | undefined;
      // aws-local-stepfunctions restarts `$$.Execution.StartTime` when a run starts; keep the given one.
      if (values?.[':at']?.S) values[':at'] = { S: startedAt };
      return integration('DynamoDB', () =>
        ddbClient.send(new UpdateItemCommand(p as unknown as UpdateItemCommandInput)),
      );
    },
    'arn:aws:states:::dynamodb:getItem': (_state, p) =>
      integration('DynamoDB', () => ddbClient.send(new GetItemCommand(p as unknown as GetItemCommandInput))),
    'arn:aws:states:::aws-sdk:ssm:getParameter': (_state, p) =>
      integration('Ssm', () => ssm.send(new GetParameterCommand({ Name: p.Name as string }))),
    'arn:aws:states:::aws-sdk:ssm:getParameters': (_state, p) =>
      integration('Ssm', () => ssm.send(new GetParametersCommand({ Names: p.Names as string[] }))),
  };
  /** Service-integration tasks of a definition's states (nested Maps included), by state name. */
  const integrations = (states: Record<string, Json>): Record<string, Handler> => {
    const out: Record<string, Handler> = {};
    for (const [state, def] of Object.entries(states)) {
      const service = services[def.Resource as string];
      if (def.Type === 'Task' && service) {
        out[state] = async (p) => {
          await opts.beforeTask?.(state);
          return service(state, p as Json);
        };
      }
      const inner = (def.ItemProcessor ?? def.Iterator) as { States?: Record<string, Json> } | undefined;
      if (inner?.States && def !== definition.States[FLEET_MAP])
        Object.assign(out, integrations(inner.States));
    }
    return out;
  };

  const definition = withLiteralTimeouts(
    loadDefinition(
      {
        InfraFunctionArn: fnArn('infra'),
        ClusterFunctionArn: fnArn('cluster'),
        DatabaseFunctionArn: fnArn('database'),
        CoderFunctionArn: fnArn('coder'),
        AggregateFunctionArn: fnArn('aggregate'),
        NotifyFunctionArn: fnArn('notify'),
        TableName: opts.tableName,
        FleetParameterName: fleetParameterName(LOCAL_PARAMETER_PREFIX),
        DeploymentParameterPrefix: deploymentParameterName(LOCAL_PARAMETER_PREFIX, ''),
        GroupTaskTimeoutSeconds: String(opts.groupTaskTimeoutSeconds ?? 180),
      },
      opts.definitionFile,
    ),
    opts.groupTaskTimeoutSeconds ?? 180,
  ) as unknown as { States: Record<string, Json> } & StateMachineDefinition;

  let maxPayloadBytes = 0;
  let executionDataBytes = 0;
  let stateEvents = 0;
  let childTransitions = 0;
  const childMs: number[] = [];

  /** Run one execution (parent or child) with its handlers, the payload limit and its event counts. */
  const execute = async (
    def: StateMachineDefinition,
    runInput: unknown,
    id: string,
    handlers: Record<string, Handler>,
  ): Promise<{ output: unknown; observed: Observed }> => {
    const observed: Observed = { transitions: 0, events: 0, dataBytes: 0 };
    let violation: DataLimitExceededError | undefined;
    let abort = () => {};
    const check = (where: string, value: unknown): void => {
      if (value === undefined) return;
      const bytes = payloadBytes(value);
      maxPayloadBytes = Math.max(maxPayloadBytes, bytes);
      if (bytes > STATE_PAYLOAD_LIMIT_BYTES && !violation) {
        violation = new DataLimitExceededError(where, bytes);
        abort();
      }
    };
    const guarded = Object.fromEntries(
      Object.entries(handlers).map(([state, fn]) => [
        state,
        async (i: unknown) => {
          const out = await fn(i);
          check(`result of ${state}`, out);
          if (violation) throw violation;
          return out;
        },
      ]),
    );
    const machine = new StateMachine(def, { validationOptions: { noValidate: true } });
    const retryZero = Object.fromEntries(Object.keys(handlers).map((s) => [s, 0]));
    const execution = machine.run(runInput as never, {
      overrides: {
        taskResourceLocalHandlers: guarded as unknown as LocalHandlers,
        waitTimeOverrides: { Settle: 0 },
        retryIntervalOverrides: retryZero,
      },
      context: {
        Execution: { Id: id, Name: id.split(':').pop()!, Input: runInput as never, StartTime: startedAt },
        StateMachine: {
          Id: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${STATE_MACHINE}`,
          Name: STATE_MACHINE,
        },
      },
    });
    abort = execution.abort;
    const counting = (async () => {
      for await (const event of execution.eventLogs) {
        if (event.type === 'StateEntered' || event.type === 'StateRetried') observed.transitions += 1;
        observed.events += historyEventsOf(event as { type: string; state?: { type?: string } });
        if (event.type === 'StateEntered' || event.type === 'StateExited') {
          const {
            input: i,
            output: o,
            name,
          } = event.state as { input?: unknown; output?: unknown; name: string };
          if (event.type === 'StateEntered') check(`input of ${name}`, i);
          else check(`output of ${name}`, o);
          observed.dataBytes += payloadBytes(i ?? null) + (o === undefined ? 0 : payloadBytes(o));
        }
      }
    })();
    try {
      const output = await execution.result;
      await counting;
      if (violation) throw violation;
      return { output, observed };
    } catch (err) {
      await counting.catch(() => undefined);
      if (violation) throw violation;
      throw err;
    } finally {
      executionDataBytes += observed.dataBytes;
      stateEvents += observed.events;
    }
  };

  // The child: the Distributed Map's ItemProcessor, run as its own (Express) execution per batch.
  const map = definition.States[FLEET_MAP] as Json & {
    ItemProcessor: { StartAt: string; States: Json };
    ItemSelector: Json;
    ItemsPath: string;
    ItemBatcher?: { MaxItemsPerBatch?: number; BatchInput?: Json };
    MaxConcurrency?: number;
    ToleratedFailurePercentage?: number;
  };
  const { ProcessorConfig: _pc, ...childStates } = map.ItemProcessor as Json;
  const childDefinition = childStates as unknown as StateMachineDefinition;
  const childHandlers: Record<string, Handler> = integrations(childStates.States as Record<string, Json>);
  for (const state of Object.keys(lambda) as LambdaTaskState[]) {
    childHandlers[state] = async (raw) => {
      const payload = (raw as { Payload: Json }).Payload;
      const run = () => lambda[state](payload);
      return { Payload: await (opts.intercept ? opts.intercept(state, payload, run) : run()) };
    };
  }
  const selectItem = (item: unknown): Json => {
    const out: Json = {};
    for (const [key, path] of Object.entries(map.ItemSelector)) {
      const name = key.replace(/\.\$$/, '');
      // The one intrinsic the ItemSelector uses: States.Format('<literal>{}', $$.Map.Item.Value).
      const format = /^States\.Format\('([^'{}]*)\{\}([^'{}]*)', \$\$\.Map\.Item\.Value\)$/.exec(
        String(path),
      );
      out[name] = format
        ? `${format[1]}${String(item)}${format[2]}`
        : path === '$$.Map.Item.Value'
          ? item
          : path === '$$.Execution.Id'
            ? executionId
            : path === '$$.Execution.StartTime'
              ? startedAt
              : path;
    }
    return out;
  };
  /**
   * The inputs of the child executions: each item through the ItemSelector, then, with an ItemBatcher,
   * `{ Items: [...], BatchInput }` per batch of MaxItemsPerBatch (the Distributed Map's batching).
   */
  const childInputs = (items: unknown[]): unknown[] => {
    const selected = items.map(selectItem);
    const batcher = map.ItemBatcher;
    if (!batcher) return selected;
    const size = batcher.MaxItemsPerBatch ?? selected.length;
    const batches: unknown[] = [];
    for (let i = 0; i < selected.length; i += size) {
      const batch = selected.slice(i, i + size);
      batches.push(batcher.BatchInput ? { Items: batch, BatchInput: batcher.BatchInput } : { Items: batch });
    }
    return batches;
  };
  let childrenStarted = 0;
  let fleetMapMs = 0;
  const distributedMap: Handler = async (mapInput) => {
    const mapStart = performance.now();
    const items = at(mapInput, map.ItemsPath);
    if (!Array.isArray(items)) throw new StatesError('States.Runtime', `${map.ItemsPath} is not an array`);
    const inputs = childInputs(items);
    const tolerated = map.ToleratedFailurePercentage ?? 0;
    let failed = 0;
    const outputs = await pool(inputs, opts.maxConcurrency ?? map.MaxConcurrency ?? 10_000, async (input) => {
      childrenStarted += 1;
      const t = performance.now();
      const childId = `arn:aws:states:${REGION}:${ACCOUNT}:express:${STATE_MACHINE}/${map.Label as string}:${randomUUID()}`;
      try {
        const { output, observed } = await execute(childDefinition, input, childId, childHandlers);
        childTransitions += observed.transitions;
        return output;
      } catch (err) {
        failed += 1;
        const e = ((err as { cause?: unknown }).cause ?? err) as Error;
        return { Error: e.name, Cause: e.message };
      } finally {
        childMs.push(Math.round(performance.now() - t));
      }
    });
    fleetMapMs += performance.now() - mapStart;
    if (inputs.length > 0 && (failed / inputs.length) * 100 > tolerated) {
      throw new StatesError(
        'States.ExceedToleratedFailureThreshold',
        `${failed} of ${inputs.length} child executions failed (tolerated: ${tolerated}%)`,
      );
    }
    return outputs;
  };

  // The parent: the Distributed Map becomes a task run by the emulation above (its ResultSelector,
  // ResultPath, Catch and Next stay as they are), service integrations run against dynalite.
  const {
    ItemProcessor: _ip,
    ItemSelector: _is,
    ItemsPath: _ipath,
    MaxConcurrency: _mc,
    ToleratedFailurePercentage: _tf,
    ItemBatcher: _ib,
    Label: _l,
    ...mapRest
  } = map;
  const parentDefinition = {
    ...definition,
    States: {
      ...definition.States,
      [FLEET_MAP]: { ...mapRest, Type: 'Task', Resource: 'arn:aws:states:::local:distributedMap' },
    },
  } as unknown as StateMachineDefinition;
  const parentHandlers: Record<string, Handler> = {
    ...integrations(definition.States),
    [FLEET_MAP]: distributedMap,
  };

  // On AWS each function loads its code in its own sandbox (INIT) before its invocation runs; here one
  // process hosts them all, and a module load blocks the event loop: load every collector first, so that
  // no function's load runs while another's call timers run.
  await Promise.all(Object.values(GROUPS).map((g) => g.load?.()));
  const t0 = performance.now();
  try {
    const { output, observed } = await execute(parentDefinition, input, executionId, parentHandlers);
    const out = output as LocalWorkflowResult['output'];
    return {
      executionId,
      startTime,
      output: out,
      audits: typeof out?.audits === 'string' ? batchAudits(JSON.parse(out.audits) as unknown[]) : [],
      transitions: observed.transitions + childrenStarted,
      childMs,
      childTransitions,
      maxPayloadBytes,
      reports,
      alerts,
      events,
      ms: Math.round(performance.now() - t0),
      lambdaMs,
      lambdaInvocations,
      lambdaPeakConcurrency,
      dynamoCalls,
      ssmCalls,
      ssmThrottles: SimParameterStore.total(parameters.throttled) - throttledBefore,
      executionDataBytes,
      stateEvents,
      parentStateEvents: observed.events,
      fleetMapMs: Math.round(fleetMapMs),
    };
  } finally {
    ddbClient.destroy();
    ssm.destroy();
    for (const handler of owned) handler.close();
  }
}

/** Commands a client sends, by name: once per command (`initialize`) or per request sent (`finalizeRequest`). */
function countCommands(
  client: { middlewareStack: { add: (...args: never[]) => void } },
  step: 'initialize' | 'finalizeRequest',
): Record<string, number> {
  const counts: Record<string, number> = {};
  const counter =
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: unknown) => {
      const name = String(context.commandName ?? 'unknown').replace(/Command$/, '');
      counts[name] = (counts[name] ?? 0) + 1;
      return next(args);
    };
  (client.middlewareStack.add as (mw: unknown, opts: unknown) => void)(counter, {
    step,
    name: `count-${step}`,
  });
  return counts;
}
