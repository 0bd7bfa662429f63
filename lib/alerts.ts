import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { RouteSubscription } from './routing.js';

export interface AuditorAlertsProps {
  /** Addresses subscribed to the topic, each with its filter policy (`alertRoutes`). @default none */
  readonly subscriptions?: readonly RouteSubscription[];
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/** The alert topic (KMS-encrypted, TLS only) that the Notify function and the alarms publish to. */
export class AuditorAlerts extends Construct {
  public readonly key: kms.Key;
  public readonly topic: sns.Topic;
  public alarms: cloudwatch.Alarm[] = [];

  public constructor(scope: Construct, id: string, props: AuditorAlertsProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    this.key = new kms.Key(this, 'Key', {
      description: 'coder-auditor: alert topic encryption',
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    // CloudWatch alarms of this account and region publish to the encrypted topic. `enforceSSL` gives the
    // topic a policy of its own, which replaces the default one: the alarms need an explicit Allow.
    const fromOwnAlarms = {
      ArnLike: {
        'aws:SourceArn': stack.formatArn({
          service: 'cloudwatch',
          resource: 'alarm',
          resourceName: '*',
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      },
      StringEquals: { 'aws:SourceAccount': stack.account },
    };
    const cloudwatchService = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AlarmsEncryptAlerts',
        principals: [cloudwatchService],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: fromOwnAlarms,
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'coder-auditor alerts',
      masterKey: this.key,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AlarmsPublish',
        principals: [cloudwatchService],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: fromOwnAlarms,
      }),
    );
    props.subscriptions?.forEach((r, i) => {
      const sub = new sns.Subscription(this, `Email${i}`, {
        topic: this.topic,
        protocol: sns.SubscriptionProtocol.EMAIL,
        endpoint: r.email,
      });
      // The L2 filter policy has no `$or` nor `exists: false` mixed with values: set the CloudFormation one.
      if (r.filterPolicy) (sub.node.defaultChild as sns.CfnSubscription).filterPolicy = r.filterPolicy;
    });
  }

  /**
   * Alarms to the topic: a failed, timed-out or aborted execution or child execution; no successful audit
   * for two periods; an undeliverable trigger event.
   */
  public addAlarms(opts: {
    stateMachine: sfn.StateMachine;
    childMetricsArn: string;
    deadLetterQueue: sqs.Queue;
    period: Duration;
  }): cloudwatch.Alarm[] {
    const sm = opts.stateMachine;
    const five = Duration.minutes(5);
    const child = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/States',
        metricName,
        dimensionsMap: { StateMachineArn: opts.childMetricsArn },
        period: five,
        statistic: 'Sum',
      });
    const failures = new cloudwatch.MathExpression({
      expression:
        'FILL(failed, 0) + FILL(timedOut, 0) + FILL(aborted, 0) + FILL(childFailed, 0) + FILL(childTimedOut, 0)',
      usingMetrics: {
        failed: sm.metricFailed({ period: five, statistic: 'Sum' }),
        timedOut: sm.metricTimedOut({ period: five, statistic: 'Sum' }),
        aborted: sm.metricAborted({ period: five, statistic: 'Sum' }),
        childFailed: child('ExecutionsFailed'),
        childTimedOut: child('ExecutionsTimedOut'),
      },
      period: five,
      label: 'Failed, timed-out or aborted audits (executions and per-deployment children)',
    });
    const failed = new cloudwatch.Alarm(this, 'ExecutionFailedAlarm', {
      alarmDescription:
        'coder-auditor: an audit execution (or a deployment audit in it) failed, timed out or was aborted',
      metric: failures,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const silent = new cloudwatch.Alarm(this, 'NoSuccessfulAuditAlarm', {
      alarmDescription: `coder-auditor: no audit succeeded in two periods of ${opts.period.toHumanString()}`,
      metric: sm.metricSucceeded({ period: opts.period, statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    const undelivered = new cloudwatch.Alarm(this, 'TriggerDeadLettersAlarm', {
      alarmDescription:
        'coder-auditor: a schedule or deploy trigger could not start an audit (see the dead-letter queue)',
      metric: opts.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: five,
        statistic: 'Maximum',
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const action = new SnsAction(this.topic);
    for (const a of [failed, silent, undelivered]) {
      a.addAlarmAction(action);
      a.addOkAction(action);
    }
    this.alarms = [failed, silent, undelivered];
    return this.alarms;
  }
}
