import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { DeploymentConfig } from '../lambdas/audit/config.js';

/** CloudTrail events that look like a deploy, by event source. */
export const DEPLOY_EVENTS = {
  'aws.eks': ['UpdateNodegroupConfig', 'UpdateNodegroupVersion'],
  'aws.rds': ['ModifyDBCluster', 'FailoverDBCluster', 'ModifyDBInstance', 'RebootDBInstance'],
  'aws.elasticloadbalancing': [
    'ModifyTargetGroup',
    'ModifyTargetGroupAttributes',
    'RegisterTargets',
    'DeregisterTargets',
  ],
  'aws.ec2': [
    'AuthorizeSecurityGroupIngress',
    'RevokeSecurityGroupIngress',
    'AuthorizeSecurityGroupEgress',
    'RevokeSecurityGroupEgress',
    'ModifySecurityGroupRules',
  ],
} as const;
/** Source of the custom event CI pipelines and Helm hooks put after a Coder deploy. */
export const CODER_DEPLOY_SOURCE = 'coder.deploy';

/** The account a deployment lives in: its audit role's, else the stack's. */
export function deploymentAccount(d: DeploymentConfig, stackAccount: string): string {
  return d.aws.roleArn ? d.aws.roleArn.split(':')[4]! : stackAccount;
}

/**
 * What each deploy rule matches, by event source, beyond the event names of {@link DEPLOY_EVENTS}.
 * Field names are those CloudTrail records: camelCase `requestParameters` for most calls; the node group
 * calls name the cluster `clusterName` (older records `name`); `ModifySecurityGroupRules` nests its
 * parameters as `requestParameters.ModifySecurityGroupRulesRequest.GroupId`. Aurora instance calls are
 * matched on the cluster RDS returns (`responseElements.dBClusterIdentifier`), which is exact.
 */
export function deployPatterns(
  d: DeploymentConfig,
): Array<[keyof typeof DEPLOY_EVENTS, Record<string, unknown>]> {
  const groups = [d.network.dbSecurityGroupId, d.network.nodeSecurityGroupId];
  const cluster = d.aurora.clusterId;
  return [
    [
      'aws.eks',
      {
        $or: [
          { requestParameters: { clusterName: [d.eks.clusterName] } },
          { requestParameters: { name: [d.eks.clusterName] } },
        ],
      },
    ],
    [
      'aws.rds',
      {
        $or: [
          { requestParameters: { dBClusterIdentifier: [{ 'equals-ignore-case': cluster }] } },
          { responseElements: { dBClusterIdentifier: [cluster.toLowerCase()] } },
        ],
      },
    ],
    ['aws.elasticloadbalancing', { requestParameters: { targetGroupArn: d.nlb.targetGroupArns } }],
    [
      'aws.ec2',
      {
        $or: [
          { requestParameters: { groupId: groups } },
          { requestParameters: { ModifySecurityGroupRulesRequest: { GroupId: groups } } },
        ],
      },
    ],
  ];
}

/** One event pattern per deployment over the four sources (one rule: 300 rules per bus by default). */
export function deployEventPattern(d: DeploymentConfig, account: string): Record<string, unknown> {
  return {
    'detail-type': ['AWS API Call via CloudTrail'],
    account: [account],
    region: [d.aws.region],
    $or: deployPatterns(d).map(([source, match]) => ({
      source: [source],
      detail: { eventName: [...DEPLOY_EVENTS[source]], ...match },
    })),
  };
}

export interface AuditorTriggersProps {
  readonly stateMachine: sfn.IStateMachine;
  readonly deployments: readonly DeploymentConfig[];
  /** EventBridge Scheduler expression of the periodic audit. */
  readonly schedule: string;
  /**
   * Debounced audits on deploy-shaped CloudTrail events (also forwarded from other accounts by
   * `CoderAuditorTarget`) and on `coder.deploy` events.
   * @default true
   */
  readonly deployTriggers?: boolean;
}

/**
 * The hourly schedule (the whole fleet, read by the workflow from its parameter), one debounced deploy rule
 * per deployment, the `coder.deploy` rule, the release rule that frees the gate an aborted, failed or
 * timed-out execution held, and the dead-letter queue of all their targets.
 */
export class AuditorTriggers extends Construct {
  public readonly schedule: Schedule;
  public readonly rules: events.Rule[] = [];
  /** Dead-letter queue of the schedule and rule targets (events EventBridge could not deliver). */
  public readonly deadLetterQueue: sqs.Queue;

  public constructor(scope: Construct, id: string, props: AuditorTriggersProps) {
    super(scope, id);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.schedule = new Schedule(this, 'Hourly', {
      description: 'coder-auditor: periodic audit of every configured deployment',
      schedule: ScheduleExpression.expression(props.schedule),
      target: new StepFunctionsStartExecution(props.stateMachine, {
        input: ScheduleTargetInput.fromObject({ trigger: 'schedule' }),
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
        deadLetterQueue: this.deadLetterQueue,
      }),
    });
    const target = (input: events.RuleTargetInput) =>
      new SfnStateMachine(props.stateMachine, {
        input,
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
        deadLetterQueue: this.deadLetterQueue,
      });
    // Release: a gate held by an execution that ended without finishing is freed at once.
    this.rules.push(
      new events.Rule(this, 'ReleaseAbandonedGates', {
        description: 'coder-auditor: free the debounce lock of an aborted, failed or timed-out audit',
        eventPattern: {
          source: ['aws.states'],
          detailType: ['Step Functions Execution Status Change'],
          detail: {
            status: ['ABORTED', 'FAILED', 'TIMED_OUT'],
            stateMachineArn: [props.stateMachine.stateMachineArn],
          },
        },
        targets: [
          target(
            events.RuleTargetInput.fromObject({
              release: {
                executionArn: events.EventField.fromPath('$.detail.executionArn'),
                status: events.EventField.fromPath('$.detail.status'),
                input: events.EventField.fromPath('$.detail.input'),
              },
            }),
          ),
        ],
      }),
    );
    if (props.deployTriggers === false) return;
    const stack = Stack.of(this);
    for (const d of props.deployments) {
      if (!Token.isUnresolved(stack.region) && stack.region !== d.aws.region && !d.aws.roleArn) continue;
      const account = deploymentAccount(d, stack.account);
      this.rules.push(
        new events.Rule(this, `Deploy-${d.id}`, {
          description: `coder-auditor: audit ${d.id} after a deploy-shaped change`,
          eventPattern: deployEventPattern(d, account) as events.EventPattern,
          targets: [
            target(
              events.RuleTargetInput.fromObject({
                deployments: [d.id],
                debounce: true,
                trigger: 'cloudtrail',
              }),
            ),
          ],
        }),
      );
    }
    this.rules.push(
      new events.Rule(this, 'CoderDeploy', {
        description: 'coder-auditor: audit a deployment after a Coder deploy (CI pipelines, Helm hooks)',
        eventPattern: {
          source: [CODER_DEPLOY_SOURCE],
          detail: { deployment: props.deployments.map((d) => d.id) },
        },
        targets: [
          target(
            events.RuleTargetInput.fromObject({
              deployments: [events.EventField.fromPath('$.detail.deployment')],
              debounce: true,
              trigger: CODER_DEPLOY_SOURCE,
            }),
          ),
        ],
      }),
    );
    // Deploy events forwarded from the audited accounts (CoderAuditorTarget) arrive on this default bus.
    const others = [...new Set(props.deployments.map((d) => deploymentAccount(d, stack.account)))].filter(
      (a) => Token.isUnresolved(stack.account) || a !== stack.account,
    );
    others
      .filter((a) => !Token.isUnresolved(a))
      .forEach((account) => {
        new events.CfnEventBusPolicy(this, `FromAccount${account}`, {
          statementId: `coder-auditor-${account}`,
          eventBusName: 'default',
          statement: {
            Sid: `coder-auditor-${account}`,
            Effect: 'Allow',
            Principal: { AWS: `arn:${stack.partition}:iam::${account}:root` },
            Action: 'events:PutEvents',
            Resource: stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' }),
          },
        });
      });
  }
}
