import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../lambdas/handlers/telemetry.js';

export interface AuditorDashboardProps {
  /** The parent state machine (executions). */
  readonly stateMachine: sfn.StateMachine;
  /** @default one hour */
  readonly period?: Duration;
}

/**
 * The auditor's CloudWatch dashboard, from the metrics the functions emit through Powertools Metrics
 * (namespace `CoderAuditor`, dimensions `service` and `role`; docs/metrics.md lists them): open findings by
 * severity and deployment, audit duration per group, group errors, alerts and events sent, executions.
 * Per-deployment series come from SEARCH expressions, so the dashboard follows the fleet without a deploy.
 */
export class AuditorDashboard extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;

  public constructor(scope: Construct, id: string, props: AuditorDashboardProps) {
    super(scope, id);
    const period = props.period ?? Duration.hours(1);
    const ns = METRICS_NAMESPACE;
    const metric = (metricName: string, role: string, statistic = 'Sum', label?: string) =>
      new cloudwatch.Metric({
        namespace: ns,
        metricName,
        dimensionsMap: { service: SERVICE_NAME, role },
        statistic,
        period,
        ...(label ? { label } : {}),
      });
    const search = (expression: string, label: string) =>
      new cloudwatch.MathExpression({ expression, label, period, searchAccount: undefined });
    const groups = ['infra', 'cluster', 'database', 'coder'];

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${Stack.of(this).stackName}-coder-auditor`,
      defaultInterval: Duration.days(7),
    });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Open findings by severity (all deployments)',
        width: 12,
        stacked: true,
        left: ['critical', 'high', 'medium', 'low', 'info'].map((severity) =>
          search(
            `SUM(SEARCH('{${ns},deployment,role,service,severity} MetricName="OpenFindings" severity="${severity}"', 'Maximum', ${period.toSeconds()}))`,
            severity,
          ),
        ),
      }),
      new cloudwatch.GraphWidget({
        title: 'Open findings by deployment and severity',
        width: 12,
        left: [
          search(
            `SEARCH('{${ns},deployment,role,service,severity} MetricName="OpenFindings"', 'Maximum', ${period.toSeconds()})`,
            '',
          ),
        ],
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Audit duration per check group (ms, p90)',
        width: 12,
        left: groups.map((g) => metric('GroupDuration', `group-${g}`, 'p90', g)),
      }),
      new cloudwatch.GraphWidget({
        title: 'Group errors',
        width: 12,
        left: [
          metric('FailedGroups', 'aggregate', 'Sum', 'groups failed as a whole'),
          ...groups.map((g) =>
            metric('FindingsError', `group-${g}`, 'Sum', `${g}: checks that could not run`),
          ),
        ],
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Alerts and events sent',
        width: 12,
        left: [
          metric('AlertsPublished', 'notify', 'Sum', 'e-mail alerts published'),
          metric('EventsPut', 'aggregate', 'Sum', 'EventBridge events put'),
          metric('OpenedFindings', 'aggregate', 'Sum', 'findings opened'),
          metric('ResolvedFindings', 'aggregate', 'Sum', 'findings resolved'),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'Audit executions',
        width: 12,
        left: [
          props.stateMachine.metricSucceeded({ period, statistic: 'Sum', label: 'succeeded' }),
          props.stateMachine.metricFailed({ period, statistic: 'Sum', label: 'failed' }),
          props.stateMachine.metricTimedOut({ period, statistic: 'Sum', label: 'timed out' }),
        ],
      }),
    );
  }
}
