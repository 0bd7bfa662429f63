import { Annotations, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Schedule } from 'aws-cdk-lib/aws-scheduler';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { AuditConfig, DeploymentConfig } from '../lambdas/audit/config.js';
import type { GroupId } from '../lambdas/audit/model.js';
import { addAccessEntries } from './access-entries.js';
import { AuditorAlerts } from './alerts.js';
import { AuditorDashboard } from './dashboard.js';
import { alertRoutes, type RouteSubscription } from './routing.js';
import { ADVANCED_PARAMETER_BYTES, AuditorConfiguration, deploymentParameterValue } from './configuration.js';
import { AuditorFunctions } from './functions.js';
import { acknowledge } from './nag.js';
import type { FunctionRole } from './paths.js';
import { AuditorStore } from './store.js';
import { AuditorTriggers } from './triggers.js';
import { AuditorWorkflow } from './workflow.js';

export { ASL_PATH, FUNCTION_ROLES, type FunctionRole } from './paths.js';
export { CODER_DEPLOY_SOURCE, DEPLOY_EVENTS, deployPatterns, deployEventPattern } from './triggers.js';
export {
  DEBOUNCE_SECONDS,
  FLEET_BATCH_SIZE,
  GATE_ATTRIBUTES,
  executionTimeoutSeconds,
  fleetMapSettings,
} from './workflow.js';
export { RDS_CA_BUNDLE } from './functions.js';

/**
 * Longest period of the "no successful audit" alarm, which evaluates two periods: CloudWatch allows an
 * evaluation range (period × evaluation periods) of at most 7 days (604,800 s), 1 day below 1-hour periods.
 */
export const MAX_ALARM_PERIOD_MINUTES = 5_040;
/** Seconds a group task of the workflow waits beyond its function's own timeout. */
export const GROUP_TASK_MARGIN_SECONDS = 10;
/**
 * Most deployments one stack audits: every child result (about 100 bytes) travels back in the Distributed
 * Map's output, which must stay under 256 KiB with the fleet's ids beside it.
 */
export const MAX_DEPLOYMENTS = 1_000;
/** Deployments audited at once by default (children of the Distributed Map). */
export const DEFAULT_MAX_CONCURRENCY = 50;

export interface CoderAuditorProps {
  /** The validated configuration: the same file the CLI reads (`loadConfig`). */
  readonly config: AuditConfig;
  /**
   * VPC of the cluster, database and coder functions.
   * @default imported from `serverless.vpcId` (no lookup); no VPC when that is unset
   */
  readonly vpc?: ec2.IVpc;
  /**
   * Subnets of the VPC functions.
   * @default the subnets `serverless.subnetIds`
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * EventBridge Scheduler expression of the periodic audit.
   * @default `config.schedule` (`rate(1 hour)`)
   */
  readonly schedule?: string;
  /**
   * Start a debounced audit on deploy-shaped CloudTrail events and on `coder.deploy` events.
   * @default true
   */
  readonly deployTriggers?: boolean;
  /**
   * Deployments audited at once (Express children of up to ten deployments; four Lambda invocations each).
   * @default `serverless.maxConcurrency` (50)
   */
  readonly maxConcurrency?: number;
  /**
   * Retention of every log group the construct creates.
   * @default `serverless.logRetentionDays` (90 days)
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Addresses subscribed to the alert topic, each receiving every alert of every deployment.
   * @default each deployment's `alertEmails`, routed by deployment and minimum severity (lib/routing.ts)
   */
  readonly alertEmails?: string[];
  /**
   * Runbook link rendered into alerts.
   * @default `serverless.runbookUrl`, else none
   */
  readonly runbookUrl?: string;
  /**
   * Create the EKS access entries of the cluster function (one per same-account cluster).
   * @default true
   */
  readonly createAccessEntries?: boolean;
  /**
   * Path prefix of the configuration parameters (SSM Parameter Store).
   * @default `/coder-auditor/<stack name>`
   */
  readonly parameterPrefix?: string;
  /**
   * Removal policy of the findings table, the key and the log groups.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

interface Resolved {
  vpc?: ec2.IVpc;
  vpcSubnets?: ec2.SubnetSelection;
  schedule: string;
  deployTriggers: boolean;
  maxConcurrency: number;
  logRetention: logs.RetentionDays;
  workflowLogLevel: sfn.LogLevel;
  alarmPeriod: Duration;
  subscriptions: RouteSubscription[];
  runbookUrl?: string;
  createAccessEntries: boolean;
  removalPolicy: RemovalPolicy;
}

/**
 * The serverless coder-auditor, built from small constructs: the configuration in SSM Parameter Store
 * ({@link AuditorConfiguration}), the findings table ({@link AuditorStore}), one function per check group
 * plus aggregate and notify ({@link AuditorFunctions}), the fleet workflow ({@link AuditorWorkflow}), the
 * alert topic and alarms ({@link AuditorAlerts}), the schedule and deploy rules ({@link AuditorTriggers}),
 * and the EKS access entries. Other accounts get a `CoderAuditorTarget`.
 */
export class CoderAuditor extends Construct {
  public readonly table: dynamodb.Table;
  public readonly topic: sns.Topic;
  public readonly key: kms.Key;
  public readonly stateMachine: sfn.StateMachine;
  /** The CloudWatch dashboard of the auditor's metrics (docs/metrics.md). */
  public readonly dashboard: cloudwatch.Dashboard;
  public readonly functions: Record<FunctionRole, LambdaFunction>;
  /** Security groups of the VPC functions (allow them in the database / API security groups). */
  public readonly securityGroups: Partial<Record<GroupId, ec2.SecurityGroup>>;
  public readonly schedule: Schedule;
  public readonly rules: events.Rule[];
  public readonly alarms: cloudwatch.Alarm[];
  /** Dead-letter queue of the schedule and rule targets (events EventBridge could not deliver). */
  public readonly deadLetterQueue: sqs.Queue;
  public readonly configuration: AuditorConfiguration;
  public readonly workflow: AuditorWorkflow;
  /** `TimeoutSeconds` of the workflow's group tasks: the group functions' timeout plus a margin. */
  public readonly groupTaskTimeoutSeconds: number;

  public constructor(scope: Construct, id: string, props: CoderAuditorProps) {
    super(scope, id);
    const r = resolveProps(this, props);
    const { config } = props;
    const deployments = config.deployments;
    const stack = Stack.of(this);

    this.configuration = new AuditorConfiguration(this, 'Configuration', {
      deployments,
      policy: config,
      ...(props.parameterPrefix ? { prefix: props.parameterPrefix } : {}),
    });
    const store = new AuditorStore(this, 'Store', { removalPolicy: r.removalPolicy });
    this.table = store.table;
    const alerts = new AuditorAlerts(this, 'Alerts', {
      subscriptions: r.subscriptions,
      removalPolicy: r.removalPolicy,
    });
    this.topic = alerts.topic;
    this.key = alerts.key;

    const groupMs = Math.max(...deployments.map((d) => d.timeouts.groupMs));
    const groupTimeout = Duration.seconds(Math.min(900, Math.ceil(groupMs / 1000) + 30));
    this.groupTaskTimeoutSeconds = groupTimeout.toSeconds() + GROUP_TASK_MARGIN_SECONDS;
    const fns = new AuditorFunctions(this, 'Functions', {
      deployments,
      configuration: this.configuration,
      table: this.table,
      topicArn: this.topic.topicArn,
      groupTimeout,
      ...(r.vpc ? { vpc: r.vpc } : {}),
      ...(r.vpcSubnets ? { vpcSubnets: r.vpcSubnets } : {}),
      logRetention: r.logRetention,
      removalPolicy: r.removalPolicy,
      ...(r.runbookUrl ? { runbookUrl: r.runbookUrl } : {}),
      stillOpenAfterHours: config.serverless?.stillOpenAfterHours ?? 24,
      dbResourceIds: config.serverless?.dbResourceIds ?? {},
      secretKmsKeyArns: config.serverless?.secretKmsKeyArns ?? [],
    });
    this.functions = fns.functions;
    this.securityGroups = fns.securityGroups;
    this.topic.grantPublish(this.functions.notify);

    if (r.createAccessEntries) {
      const here = deployments.filter(
        (d) => !d.aws.roleArn && (Token.isUnresolved(stack.region) || stack.region === d.aws.region),
      );
      for (const d of deployments.filter((x) => !here.includes(x))) {
        Annotations.of(this).addInfo(
          `deployment ${d.id}: no access entry created here (other account or region); deploy CoderAuditorTarget there`,
        );
      }
      addAccessEntries(this, this.functions.cluster.role!.roleArn, here);
    }

    this.workflow = new AuditorWorkflow(this, 'Workflow', {
      functions: this.functions,
      table: this.table,
      configuration: this.configuration,
      groupTaskTimeoutSeconds: this.groupTaskTimeoutSeconds,
      maxConcurrency: r.maxConcurrency,
      maxDeployments: Math.max(deployments.length, MAX_DEPLOYMENTS),
      logRetention: r.logRetention,
      logLevel: r.workflowLogLevel,
      removalPolicy: r.removalPolicy,
    });
    this.stateMachine = this.workflow.stateMachine;

    const triggers = new AuditorTriggers(this, 'Triggers', {
      stateMachine: this.stateMachine,
      deployments,
      schedule: r.schedule,
      deployTriggers: r.deployTriggers,
    });
    this.schedule = triggers.schedule;
    this.rules = triggers.rules;
    this.deadLetterQueue = triggers.deadLetterQueue;
    this.alarms = alerts.addAlarms({
      stateMachine: this.stateMachine,
      childMetricsArn: this.workflow.childMetricsArn,
      deadLetterQueue: this.deadLetterQueue,
      period: r.alarmPeriod,
    });
    this.dashboard = new AuditorDashboard(this, 'Dashboard', { stateMachine: this.stateMachine }).dashboard;

    acknowledge(this, {
      functions: this.functions,
      securityGroups: this.securityGroups,
      deployments,
      dbResourceIds: config.serverless?.dbResourceIds ?? {},
      stateMachine: this.stateMachine,
      workflowLogLevel: r.workflowLogLevel,
      deadLetterQueue: this.deadLetterQueue,
      configurationPrefix: this.configuration.prefix,
    });
  }
}

/** The minutes between two runs of a `rate(...)` schedule; undefined for a cron(...) or at(...) one. */
export function rateMinutes(schedule: string): number | undefined {
  const m = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(schedule.trim());
  if (!m) return undefined;
  return Number(m[1]) * (m[2]!.startsWith('minute') ? 1 : m[2]!.startsWith('hour') ? 60 : 1440);
}

/**
 * Period of the "no successful audit" alarm: `serverless.alarmPeriodMinutes`, else the schedule's rate (at
 * least 5 minutes). A `cron(...)` or `at(...)` schedule has no period to derive, and a period beyond
 * {@link MAX_ALARM_PERIOD_MINUTES} cannot be evaluated twice by one alarm: both return a problem instead.
 */
export function alarmPeriod(
  schedule: string,
  periodMinutes?: number,
): { period: Duration; problem?: undefined } | { period?: undefined; problem: string } {
  let minutes = periodMinutes;
  let field = 'serverless.alarmPeriodMinutes';
  if (minutes === undefined) {
    const rate = rateMinutes(schedule);
    if (rate === undefined) {
      return {
        problem: `serverless.alarmPeriodMinutes: required with the schedule "${schedule}" (only a rate(...) gives the period of the "no successful audit" alarm)`,
      };
    }
    minutes = Math.max(5, rate);
    field = `schedule "${schedule}"`;
  }
  if (minutes > MAX_ALARM_PERIOD_MINUTES) {
    return {
      problem: `${field}: the "no successful audit" alarm evaluates two periods of ${minutes} minutes, beyond what one CloudWatch alarm can evaluate (period × 2 at most 7 days, i.e. ${MAX_ALARM_PERIOD_MINUTES} minutes a period); audit more often or set serverless.alarmPeriodMinutes to at most ${MAX_ALARM_PERIOD_MINUTES}`,
    };
  }
  return { period: Duration.minutes(minutes) };
}

/** The props with defaults applied; every invalid combination is reported in one error. */
function resolveProps(scope: Construct, props: CoderAuditorProps): Resolved {
  const { config } = props;
  const sl = config.serverless;
  const problems: string[] = [];
  config.deployments.forEach((d, i) => {
    const at = `deployments[${i}]`;
    if (d.aws.credentials)
      problems.push(
        `${at}.aws.credentials: static credentials are for the simulated deployment only; the functions use their execution role (or aws.roleArn)`,
      );
    if (d.aws.endpoint)
      problems.push(`${at}.aws.endpoint: endpoint overrides are for the simulated deployment only`);
    if (d.coder?.insecureTls)
      problems.push(`${at}.coder.insecureTls: never skip TLS verification in a deployed auditor`);
    if (d.database?.tls.disable)
      problems.push(`${at}.database.tls.disable: never disable TLS to the database in a deployed auditor`);
    const bytes = Buffer.byteLength(deploymentParameterValue(d, config));
    if (bytes > ADVANCED_PARAMETER_BYTES)
      problems.push(
        `${at}: its configuration is ${bytes} bytes, above the ${ADVANCED_PARAMETER_BYTES} bytes of an SSM parameter`,
      );
  });
  if (config.deployments.length > MAX_DEPLOYMENTS)
    problems.push(
      `deployments: ${config.deployments.length} deployments, above the ${MAX_DEPLOYMENTS} one stack audits; deploy another stack`,
    );
  const fleetBytes = Buffer.byteLength(JSON.stringify(config.deployments.map((d) => d.id)));
  if (fleetBytes > ADVANCED_PARAMETER_BYTES)
    problems.push(
      `deployments: the fleet's ids take ${fleetBytes} bytes, above the ${ADVANCED_PARAMETER_BYTES} bytes of an SSM parameter`,
    );
  for (const id of Object.keys(sl?.dbResourceIds ?? {})) {
    if (!config.deployments.some((d) => d.id === id))
      problems.push(`serverless.dbResourceIds.${id}: no deployment has this id`);
  }
  const subnetIds = sl?.subnetIds ?? [];
  if (!props.vpc && sl?.vpcId && subnetIds.length === 0 && !props.vpcSubnets) {
    problems.push(
      'serverless.subnetIds: list the private subnets the VPC functions run in (serverless.vpcId is set)',
    );
  }
  if (!props.vpc && !sl?.vpcId && subnetIds.length > 0)
    problems.push('serverless.vpcId: required with serverless.subnetIds');
  if (props.vpcSubnets && !props.vpc && !sl?.vpcId) problems.push('vpcSubnets: given without a VPC');
  if (sl?.availabilityZones && sl.availabilityZones.length !== subnetIds.length) {
    problems.push(
      'serverless.availabilityZones: give one zone per entry of serverless.subnetIds, in the same order',
    );
  }
  if (sl?.expressWorkflow) {
    problems.push(
      'serverless.expressWorkflow: the audits already run as Express child executions (one per deployment); the parent stays Standard for the schedule, the debounce and the history',
    );
  }
  const deployTriggers = props.deployTriggers ?? true;
  const maxConcurrency = props.maxConcurrency ?? sl?.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY;
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1 || maxConcurrency > 1000)
    problems.push('maxConcurrency: must be an integer from 1 to 1000');
  const schedule = props.schedule ?? config.schedule;
  if (!/^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(.+\)|at\(.+\))$/.test(schedule.trim())) {
    problems.push(
      `schedule: "${schedule}" is not an EventBridge Scheduler expression (rate(...), cron(...) or at(...))`,
    );
  }
  const alarm = alarmPeriod(schedule, sl?.alarmPeriodMinutes);
  if (alarm.problem) problems.push(alarm.problem);
  // Scheduled audits read the NAT metrics in UTC hours divisible by natReadEveryHours: a schedule slower than
  // hourly may never audit in such an hour, and the check would never read.
  const scheduleMinutes = rateMinutes(schedule) ?? sl?.alarmPeriodMinutes;
  if (scheduleMinutes !== undefined && scheduleMinutes > 60) {
    config.deployments.forEach((d, i) => {
      const every = d.thresholds.natReadEveryHours;
      if (every > 1)
        problems.push(
          `deployments[${i}].thresholds.natReadEveryHours: ${every} reads the NAT gateway metrics in UTC hours divisible by ${every}, which a schedule every ${scheduleMinutes} minutes may never audit in; set it to 1 (a read every run)`,
        );
    });
  }
  const days = sl?.logRetentionDays ?? 90;
  const logRetention = props.logRetention ?? (days as logs.RetentionDays);
  if (!props.logRetention && !Object.values(logs.RetentionDays).includes(days)) {
    problems.push(
      `serverless.logRetentionDays: ${days} is not a CloudWatch Logs retention (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, ...)`,
    );
  }
  let subscriptions: RouteSubscription[] = [];
  try {
    subscriptions = props.alertEmails
      ? [...new Set(props.alertEmails)].map((email) => ({ email }))
      : alertRoutes(config.deployments);
  } catch (err) {
    problems.push((err as Error).message);
  }
  if (problems.length > 0)
    throw new Error(`invalid CoderAuditor configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);

  let vpc = props.vpc;
  let vpcSubnets = props.vpcSubnets;
  if (!vpc && sl?.vpcId) {
    vpc = ec2.Vpc.fromVpcAttributes(scope, 'Vpc', {
      vpcId: sl.vpcId,
      availabilityZones: sl.availabilityZones ?? [],
    });
  }
  if (vpc && !vpcSubnets) {
    vpcSubnets = {
      subnets: subnetIds.map((id, i) => {
        const subnet = sl?.availabilityZones
          ? ec2.Subnet.fromSubnetAttributes(scope, `Subnet${i}`, {
              subnetId: id,
              availabilityZone: sl.availabilityZones[i]!,
            })
          : ec2.Subnet.fromSubnetId(scope, `Subnet${i}`, id);
        Validations.of(subnet).acknowledge({
          id: 'Annotation::@aws-cdk/aws-ec2:noSubnetRouteTableId',
          reason: 'The functions only place network interfaces in the subnet; nothing reads its route table.',
        });
        return subnet;
      }),
    };
  }
  if (!vpc && config.deployments.some((d: DeploymentConfig) => d.database || d.coder)) {
    Annotations.of(scope).addWarningV2(
      'coder-auditor:no-vpc',
      'serverless.vpcId is not set: the cluster, database and coder functions run outside any VPC and reach only public endpoints',
    );
  }
  const runbookUrl = props.runbookUrl ?? sl?.runbookUrl;
  return {
    ...(vpc ? { vpc } : {}),
    ...(vpcSubnets ? { vpcSubnets } : {}),
    schedule,
    deployTriggers,
    maxConcurrency,
    logRetention,
    workflowLogLevel: sfn.LogLevel[sl?.workflowLogLevel ?? 'ERROR'],
    alarmPeriod: alarm.period!,
    subscriptions,
    ...(runbookUrl ? { runbookUrl } : {}),
    createAccessEntries: props.createAccessEntries ?? true,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
  };
}
