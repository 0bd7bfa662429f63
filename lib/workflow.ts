import { readFileSync } from 'node:fs';
import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { AuditorConfiguration } from './configuration.js';
import type { FunctionRole } from './paths.js';
import { ASL_PATH } from './paths.js';

/** Seconds of one settle period of the trailing debounce (the `Settle` wait of the ASL). */
export const DEBOUNCE_SECONDS = 300;
/** Settle periods a burst of deploy events can add at most (`Quiet?` of the ASL), plus the first one. */
export const MAX_SETTLE_PERIODS = 6;
/** An Express child execution lasts at most 5 minutes. */
export const EXPRESS_MAX_SECONDS = 300;
/** Attributes the workflow's debounce gate reads and writes (`statemachines/audit.asl.json`). */
export const GATE_ATTRIBUTES = ['pk', 'sk', 'lockedBy', 'lockedAt', 'lastEventAt'] as const;
/** Label of the Distributed Map: child metrics are published under `<state machine ARN>/<label>`. */
export const MAP_LABEL = 'Deployment';
/** Deployments one Express child execution audits (the ASL's `ItemBatcher.MaxItemsPerBatch`). */
export const FLEET_BATCH_SIZE = 10;

/**
 * The Distributed Map's settings for `maxConcurrency` deployments at once: batches of at most
 * {@link FLEET_BATCH_SIZE} (fewer when fewer deployments may run at once) and as many children at once as
 * keep the deployments in flight at or below `maxConcurrency`.
 */
export function fleetMapSettings(maxConcurrency: number): { batchSize: number; childConcurrency: number } {
  const batchSize = Math.min(FLEET_BATCH_SIZE, maxConcurrency);
  return { batchSize, childConcurrency: Math.max(1, Math.floor(maxConcurrency / batchSize)) };
}

export interface AuditorWorkflowProps {
  readonly functions: Record<FunctionRole, LambdaFunction>;
  readonly table: { tableName: string; tableArn: string };
  /** The fleet's and the deployments' SSM parameters, which the workflow reads. */
  readonly configuration: AuditorConfiguration;
  /** `TimeoutSeconds` of the group tasks. */
  readonly groupTaskTimeoutSeconds: number;
  /** Deployments audited at once (batches of the Distributed Map times its MaxConcurrency). */
  readonly maxConcurrency: number;
  /** Most deployments the fleet may hold (sizes the execution timeout). */
  readonly maxDeployments: number;
  /** @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
  /** Log level of the executions, parent and Express children. @default sfn.LogLevel.ERROR */
  readonly logLevel?: sfn.LogLevel;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * `TimeoutSeconds` of an execution: the longest trailing debounce, then one wave of Express children (each
 * at most 5 minutes) per `maxConcurrency` deployments in flight, plus a margin.
 */
export function executionTimeoutSeconds(deployments: number, maxConcurrency: number): number {
  const { batchSize, childConcurrency } = fleetMapSettings(maxConcurrency);
  return (
    MAX_SETTLE_PERIODS * DEBOUNCE_SECONDS +
    Math.ceil(deployments / (batchSize * childConcurrency)) * EXPRESS_MAX_SECONDS +
    300
  );
}

/**
 * The workflow of `statemachines/audit.asl.json`: a Standard parent (schedule, trailing debounce, history)
 * whose Distributed Map runs Express children of up to ten deployments each. aws-cdk-lib ignores `timeout` with a string
 * definition, so the execution timeout is written into the ASL (`TimeoutSeconds`).
 */
export class AuditorWorkflow extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  public readonly definition: Record<string, unknown> & { TimeoutSeconds: number };

  public constructor(scope: Construct, id: string, props: AuditorWorkflowProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/vendedlogs/states/${stack.stackName}-${this.node.addr.slice(0, 8)}`,
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    const asl = JSON.parse(readFileSync(ASL_PATH, 'utf8')) as Record<string, unknown> & {
      TimeoutSeconds: number;
      States: { AuditFleet: { MaxConcurrency: number; ItemBatcher: { MaxItemsPerBatch: number } } };
    };
    asl.TimeoutSeconds = executionTimeoutSeconds(props.maxDeployments, props.maxConcurrency);
    const { batchSize, childConcurrency } = fleetMapSettings(props.maxConcurrency);
    asl.States.AuditFleet.MaxConcurrency = childConcurrency;
    asl.States.AuditFleet.ItemBatcher.MaxItemsPerBatch = batchSize;
    this.definition = asl;
    // A named state machine: its role may then start its own (child) executions without a cycle.
    const name = `${stack.stackName}-coder-auditor`.slice(0, 80);
    const f = props.functions;
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: name,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(JSON.stringify(asl)),
      definitionSubstitutions: {
        InfraFunctionArn: f.infra.functionArn,
        ClusterFunctionArn: f.cluster.functionArn,
        DatabaseFunctionArn: f.database.functionArn,
        CoderFunctionArn: f.coder.functionArn,
        AggregateFunctionArn: f.aggregate.functionArn,
        NotifyFunctionArn: f.notify.functionArn,
        TableName: props.table.tableName,
        FleetParameterName: props.configuration.fleetParameter.parameterName,
        DeploymentParameterPrefix: props.configuration.deploymentParameterPrefix,
        GroupTaskTimeoutSeconds: String(props.groupTaskTimeoutSeconds),
      },
      // ERROR by default, without execution data: failed states and executions are logged (children
      // included), payloads never. ALL logs every state event, about 60 per deployment and run, which at
      // fleet scale is the largest variable cost; a Standard parent keeps its history anyway.
      logs: {
        destination: logGroup,
        level: props.logLevel ?? sfn.LogLevel.ERROR,
        includeExecutionData: false,
      },
      tracingEnabled: true,
    });
    for (const fn of Object.values(f)) fn.grantInvoke(this.stateMachine);
    const sm = this.stateMachine;
    // The debounce gate: `DEP#<id>` / `GATE` items, gate attributes only.
    sm.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'DebounceGate',
        actions: ['dynamodb:UpdateItem', 'dynamodb:GetItem'],
        resources: [props.table.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['DEP#*'] },
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...GATE_ATTRIBUTES] },
          StringEqualsIfExists: {
            'dynamodb:ReturnValues': ['NONE', 'ALL_NEW', 'UPDATED_OLD', 'UPDATED_NEW'],
          },
        },
      }),
    );
    props.configuration.fleetParameter.grantRead(sm);
    props.configuration.grantReadDeployments(sm);
    // The Distributed Map starts, describes and stops the child executions of this state machine.
    const own = stack.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: name,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    sm.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'DistributedMapStart',
        actions: ['states:StartExecution'],
        resources: [own],
      }),
    );
    sm.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'DistributedMapChildren',
        actions: ['states:DescribeExecution', 'states:StopExecution'],
        resources: [
          stack.formatArn({
            service: 'states',
            resource: 'execution',
            resourceName: `${name}/*`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
          stack.formatArn({
            service: 'states',
            resource: 'express',
            resourceName: `${name}/*`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
  }

  /** ARN of the child executions' metrics (`<state machine ARN>/<label>`). */
  public get childMetricsArn(): string {
    return `${this.stateMachine.stateMachineArn}/${MAP_LABEL}`;
  }
}
