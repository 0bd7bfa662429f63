import { existsSync, readFileSync } from 'node:fs';
import { Annotations, ArnFormat, Aws, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { CfnAccessEntry } from 'aws-cdk-lib/aws-eks';
import * as events from 'aws-cdk-lib/aws-events';
import { SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Architecture, Code, Function as LambdaFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { AuditConfig, DeploymentConfig } from '../lambdas/audit/config.js';
import type { GroupId } from '../lambdas/audit/model.js';
import { TABLE_SCHEMA } from '../lambdas/store/findings-store.js';

import { ASL_PATH, lambdaAssetDir, type FunctionRole } from './paths.js';

export { ASL_PATH, FUNCTION_ROLES, type FunctionRole } from './paths.js';

/** A function's prebuilt bundle (`npm run build`): CDK users need no esbuild at synth. */
function lambdaCode(role: FunctionRole): Code {
  const dir = lambdaAssetDir(role);
  if (!existsSync(`${dir}/index.mjs`))
    throw new Error(`coder-auditor: the ${role} function bundle is missing (${dir}); run \`npm run build\``);
  return Code.fromAsset(dir);
}

/** Seconds an event-triggered run holds the deployment's debounce lock (the `Settle` wait of the ASL). */
export const DEBOUNCE_SECONDS = 300;
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
/**
 * Longest period of the "no successful audit" alarm, which evaluates two periods: CloudWatch allows an
 * evaluation range (period × evaluation periods) of at most 7 days (604,800 s), 1 day below 1-hour periods.
 */
export const MAX_ALARM_PERIOD_MINUTES = 5_040;
/** Seconds a group task of the workflow waits beyond its function's own timeout. */
export const GROUP_TASK_MARGIN_SECONDS = 10;
/** The Lambda runtime's CA bundle, which includes the Amazon RDS certificate authorities. */
export const RDS_CA_BUNDLE = '/var/runtime/ca-cert.pem';

/** Largest `AUDIT_CONFIG` the construct embeds (Lambda allows 4 KB of environment in total). */
export const MAX_CONFIG_BYTES = 3_500;
const EKS_VIEW_POLICY = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy';
/** ENI actions Lambda needs besides CreateNetworkInterface (each acts on network interfaces only). */
const ENI_MANAGE_ACTIONS = [
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
] as const;
/** Attributes the workflow's debounce gate reads and writes (`statemachines/audit.asl.json`). */
export const GATE_ATTRIBUTES = ['pk', 'sk', 'lockedBy', 'lockedAt', 'lastScheduledAt'] as const;
/** Where the Lambda docs say function code requests carry `lambda:SourceFunctionArn` and ENI management does not. */
const SOURCE_FUNCTION_ARN_DOC =
  'https://docs.aws.amazon.com/lambda/latest/dg/permissions-source-function-arn.html';

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
   * Standard or Express workflow.
   * @default Standard, or Express when `serverless.expressWorkflow` is true
   */
  readonly stateMachineType?: sfn.StateMachineType;
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
   * Deployments audited at once by one execution (the Map state's MaxConcurrency).
   * @default `serverless.maxConcurrency` (4)
   */
  readonly maxConcurrency?: number;
  /**
   * Retention of every log group the construct creates.
   * @default `serverless.logRetentionDays` (90 days)
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Addresses subscribed to the alert topic.
   * @default every deployment's `alertEmails`, without duplicates
   */
  readonly alertEmails?: string[];
  /**
   * Runbook link rendered into alerts.
   * @default `serverless.runbookUrl`, else none
   */
  readonly runbookUrl?: string;
  /**
   * Create the EKS access entry of the cluster function in each same-account cluster.
   * @default true
   */
  readonly createAccessEntries?: boolean;
  /**
   * Removal policy of the findings table, the key and the log groups.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

interface Resolved {
  vpc?: ec2.IVpc;
  vpcSubnets?: ec2.SubnetSelection;
  type: sfn.StateMachineType;
  schedule: string;
  deployTriggers: boolean;
  maxConcurrency: number;
  logRetention: logs.RetentionDays;
  alarmPeriod: Duration;
  alertEmails: string[];
  runbookUrl?: string;
  createAccessEntries: boolean;
  removalPolicy: RemovalPolicy;
  functionConfig: string;
}

/**
 * The serverless coder-auditor: one Lambda per check group plus aggregate and notify, the Step Functions
 * workflow of `statemachines/audit.asl.json`, the DynamoDB findings table, a KMS-encrypted SNS topic, an
 * hourly schedule, debounced deploy triggers and alarms. Every function holds only what its group reads.
 */
export class CoderAuditor extends Construct {
  public readonly table: dynamodb.Table;
  public readonly topic: sns.Topic;
  public readonly key: kms.Key;
  public readonly stateMachine: sfn.StateMachine;
  public readonly functions: Record<FunctionRole, LambdaFunction>;
  /** Security groups of the VPC functions (allow them in the database / API security groups). */
  public readonly securityGroups: Partial<Record<GroupId, ec2.SecurityGroup>>;
  public readonly schedule: Schedule;
  public readonly rules: events.Rule[] = [];
  public readonly alarms: cloudwatch.Alarm[];
  /** Dead-letter queue of the schedule and rule targets (events EventBridge could not deliver). */
  public readonly deadLetterQueue: sqs.Queue;
  private readonly config: AuditConfig;
  /** `TimeoutSeconds` of the workflow's group tasks: the group functions' timeout plus a margin. */
  public readonly groupTaskTimeoutSeconds: number;

  public constructor(scope: Construct, id: string, props: CoderAuditorProps) {
    super(scope, id);
    const r = resolveProps(this, props);
    const { config } = props;
    this.config = config;
    const stack = Stack.of(this);

    this.key = new kms.Key(this, 'Key', {
      description: 'coder-auditor: alert topic encryption',
      enableKeyRotation: true,
      removalPolicy: r.removalPolicy,
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

    this.topic = new sns.Topic(this, 'Alerts', {
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
    for (const email of r.alertEmails) this.topic.addSubscription(new EmailSubscription(email));

    this.table = new dynamodb.Table(this, 'Findings', {
      partitionKey: { name: TABLE_SCHEMA.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_SCHEMA.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: TABLE_SCHEMA.ttlAttribute,
      removalPolicy: r.removalPolicy,
    });
    const gsi = TABLE_SCHEMA.openBySeverityIndex;
    this.table.addGlobalSecondaryIndex({
      indexName: gsi.name,
      partitionKey: { name: gsi.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: gsi.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });

    // Functions
    this.securityGroups = {};
    const groupMs = Math.max(...config.deployments.map((d) => d.timeouts.groupMs));
    const groupTimeout = Duration.seconds(Math.min(900, Math.ceil(groupMs / 1000) + 30));
    this.groupTaskTimeoutSeconds = groupTimeout.toSeconds() + GROUP_TASK_MARGIN_SECONDS;
    const make = (
      role: FunctionRole,
      opts: { vpc?: boolean; memory?: number; timeout?: Duration; env?: Record<string, string> },
    ) => this.makeFunction(role, r, opts);
    this.functions = {
      infra: make('infra', { timeout: groupTimeout, env: { AUDIT_CONFIG: r.functionConfig } }),
      cluster: make('cluster', {
        vpc: true,
        memory: 512,
        timeout: groupTimeout,
        env: { AUDIT_CONFIG: r.functionConfig },
      }),
      database: make('database', {
        vpc: true,
        timeout: groupTimeout,
        // Since Node.js 20, Lambda loads its extra CA bundle (which includes the Amazon RDS certificate
        // authorities) only when asked: TLS to Aurora is verified against it.
        env: { AUDIT_CONFIG: r.functionConfig, NODE_EXTRA_CA_CERTS: RDS_CA_BUNDLE },
      }),
      coder: make('coder', { vpc: true, timeout: groupTimeout, env: { AUDIT_CONFIG: r.functionConfig } }),
      aggregate: make('aggregate', {
        timeout: Duration.seconds(60),
        env: { TABLE_NAME: this.table.tableName, ...(r.runbookUrl ? { RUNBOOK_URL: r.runbookUrl } : {}) },
      }),
      notify: make('notify', {
        timeout: Duration.seconds(30),
        env: {
          TABLE_NAME: this.table.tableName,
          TOPIC_ARN: this.topic.topicArn,
          ...(r.runbookUrl ? { RUNBOOK_URL: r.runbookUrl } : {}),
        },
      }),
    };
    this.grantGroupReads(config);
    this.grantTable(this.functions.aggregate, 'FindingsReadWrite', [
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
    this.topic.grantPublish(this.functions.notify);
    this.grantTable(this.functions.notify, 'MarkNotified', ['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    if (r.createAccessEntries) this.addAccessEntries(config);

    // Workflow
    const workflowLogs = new logs.LogGroup(this, 'WorkflowLogs', {
      logGroupName: `/aws/vendedlogs/states/${stack.stackName}-${this.node.addr.slice(0, 8)}`,
      retention: r.logRetention,
      removalPolicy: r.removalPolicy,
    });
    // A bare numeric placeholder (`"TimeoutSeconds": ${GroupTaskTimeoutSeconds}`) is not JSON: fill it before
    // parsing; quoted uses stay for the definition substitution.
    const aslText = readFileSync(ASL_PATH, 'utf8').replace(
      /(:\s*)\$\{GroupTaskTimeoutSeconds\}/g,
      `$1${this.groupTaskTimeoutSeconds}`,
    );
    const asl = JSON.parse(aslText) as {
      States: { AuditDeployments: { MaxConcurrency: number } };
    };
    asl.States.AuditDeployments.MaxConcurrency = r.maxConcurrency;
    const f = this.functions;
    this.stateMachine = new sfn.StateMachine(this, 'Workflow', {
      stateMachineType: r.type,
      definitionBody: sfn.DefinitionBody.fromString(JSON.stringify(asl)),
      definitionSubstitutions: {
        InfraFunctionArn: f.infra.functionArn,
        ClusterFunctionArn: f.cluster.functionArn,
        DatabaseFunctionArn: f.database.functionArn,
        CoderFunctionArn: f.coder.functionArn,
        AggregateFunctionArn: f.aggregate.functionArn,
        NotifyFunctionArn: f.notify.functionArn,
        TableName: this.table.tableName,
        GroupTaskTimeoutSeconds: String(this.groupTaskTimeoutSeconds),
      },
      logs: { destination: workflowLogs, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
      timeout: Duration.minutes(r.type === sfn.StateMachineType.EXPRESS ? 5 : 30),
    });
    for (const fn of Object.values(f)) fn.grantInvoke(this.stateMachine);
    // The debounce gate: `DEP#<id>` / `GATE` items of the configured deployments, gate attributes only.
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'DebounceGate',
        actions: ['dynamodb:UpdateItem'],
        resources: [this.table.tableArn],
        conditions: {
          'ForAllValues:StringEquals': {
            'dynamodb:LeadingKeys': config.deployments.map((d) => `DEP#${d.id}`),
            'dynamodb:Attributes': [...GATE_ATTRIBUTES],
          },
          StringEqualsIfExists: { 'dynamodb:ReturnValues': ['NONE', 'UPDATED_OLD', 'UPDATED_NEW'] },
        },
      }),
    );

    // Triggers: events EventBridge cannot deliver (after its retries) land in an encrypted dead-letter queue.
    this.deadLetterQueue = new sqs.Queue(this, 'TriggerDeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const ids = config.deployments.map((d) => d.id);
    this.schedule = new Schedule(this, 'Hourly', {
      description: 'coder-auditor: periodic audit of every configured deployment',
      schedule: ScheduleExpression.expression(r.schedule),
      target: new StepFunctionsStartExecution(this.stateMachine, {
        input: ScheduleTargetInput.fromObject({ deployments: ids, trigger: 'schedule' }),
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
        deadLetterQueue: this.deadLetterQueue,
      }),
    });
    if (r.deployTriggers) this.addDeployRules(config);

    // Alarms
    this.alarms = this.addAlarms(r.alarmPeriod);

    this.acknowledge();
  }

  /** Item-level actions on the findings table only (not its index: only the CLI queries it). */
  private grantTable(grantee: iam.IGrantable, sid: string, actions: string[]): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid, actions, resources: [this.table.tableArn] }),
    );
  }

  /** One function with its own role (logs on its own log group only), X-Ray, and optionally the VPC. */
  private makeFunction(
    role: FunctionRole,
    r: Resolved,
    opts: { vpc?: boolean; memory?: number; timeout?: Duration; env?: Record<string, string> },
  ): LambdaFunction {
    const name = role[0]!.toUpperCase() + role.slice(1);
    const logGroup = new logs.LogGroup(this, `${name}Logs`, {
      retention: r.logRetention,
      removalPolicy: r.removalPolicy,
    });
    const execRole = new iam.Role(this, `${name}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `coder-auditor ${role} function`,
    });
    logGroup.grantWrite(execRole);
    const inVpc = opts.vpc === true && r.vpc !== undefined;
    let securityGroups: ec2.ISecurityGroup[] | undefined;
    if (inVpc) {
      const sg = new ec2.SecurityGroup(this, `${name}SecurityGroup`, {
        vpc: r.vpc!,
        description: `coder-auditor ${role} function: egress only`,
        allowAllOutbound: false,
      });
      this.securityGroups[role as GroupId] = sg;
      securityGroups = [sg];
      // Lambda creates and deletes the function's ENIs with the execution role: only in the configured
      // subnets, with the function's own security group.
      const ec2Arn = (resource: string) =>
        Stack.of(this).formatArn({ service: 'ec2', resource, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
      const subnetIds = r.vpc!.selectSubnets(r.vpcSubnets).subnetIds;
      execRole.addToPolicy(
        new iam.PolicyStatement({
          sid: 'VpcNetworkInterfacesDescribe',
          actions: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'],
          resources: ['*'],
        }),
      );
      execRole.addToPolicy(
        new iam.PolicyStatement({
          sid: 'VpcNetworkInterfacesCreate',
          actions: ['ec2:CreateNetworkInterface'],
          resources: [
            ...subnetIds.map((id) => ec2Arn(`subnet/${id}`)),
            ec2Arn(`security-group/${sg.securityGroupId}`),
            ec2Arn('network-interface/*'),
          ],
        }),
      );
      execRole.addToPolicy(
        new iam.PolicyStatement({
          sid: 'VpcNetworkInterfacesManage',
          actions: [...ENI_MANAGE_ACTIONS],
          resources: [ec2Arn('network-interface/*')],
        }),
      );
    }
    const fn = new LambdaFunction(this, `${name}Function`, {
      code: lambdaCode(role),
      handler: 'index.handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: opts.memory ?? 256,
      timeout: opts.timeout ?? Duration.seconds(60),
      description: `coder-auditor: ${role}`,
      role: execRole,
      logGroup,
      tracing: Tracing.ACTIVE,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'coder-auditor',
        POWERTOOLS_METRICS_NAMESPACE: 'CoderAuditor',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...opts.env,
      },
      ...(inVpc ? { vpc: r.vpc, vpcSubnets: r.vpcSubnets, securityGroups } : {}),
    });
    if (inVpc) {
      // The ENI permissions are Lambda's, not the code's: requests the function code makes carry
      // lambda:SourceFunctionArn, those Lambda makes to manage the ENIs do not. A separate policy, as the
      // function depends on its role's default policy and the statement names the function.
      new iam.Policy(this, `${name}CodeNoEni`, {
        roles: [execRole],
        statements: [
          new iam.PolicyStatement({
            sid: 'FunctionCodeNoNetworkInterfaces',
            effect: iam.Effect.DENY,
            actions: ['ec2:CreateNetworkInterface', ...ENI_MANAGE_ACTIONS],
            resources: ['*'],
            conditions: { ArnEquals: { 'lambda:SourceFunctionArn': fn.functionArn } },
          }),
        ],
      });
    }
    return fn;
  }

  /** Least-privilege reads of each check group, scoped to the configured resources where IAM allows. */
  private grantGroupReads(config: AuditConfig): void {
    const f = this.functions;
    const add = (fn: LambdaFunction, sid: string, actions: string[], resources: string[]) =>
      fn.addToRolePolicy(new iam.PolicyStatement({ sid, actions, resources: [...new Set(resources)] }));
    const local = config.deployments.filter((d) => !d.aws.roleArn);
    const roleArns = [...new Set(config.deployments.flatMap((d) => (d.aws.roleArn ? [d.aws.roleArn] : [])))];
    if (roleArns.length > 0) {
      for (const g of ['infra', 'cluster', 'database', 'coder'] as const)
        add(f[g], 'AssumeAuditRoles', ['sts:AssumeRole'], roleArns);
    }
    const eksCluster = (d: DeploymentConfig) => arn(d, 'eks', `cluster/${d.eks.clusterName}`);
    const eksNodegroups = (d: DeploymentConfig) =>
      d.eks.nodegroups.map((ng) => arn(d, 'eks', `nodegroup/${d.eks.clusterName}/${ng}/*`));

    if (local.length > 0) {
      // infra: EC2 / RDS / ELBv2 / EKS / Service Quotas describe calls
      add(
        f.infra,
        'EksDescribe',
        ['eks:DescribeCluster', 'eks:DescribeNodegroup'],
        local.flatMap((d) => [eksCluster(d), ...eksNodegroups(d)]),
      );
      add(
        f.infra,
        'Ec2Describe',
        ['ec2:DescribeSecurityGroups', 'ec2:DescribeVpcEndpoints', 'ec2:DescribeInstanceTypes'],
        ['*'],
      );
      add(
        f.infra,
        'AuroraClusterDescribe',
        ['rds:DescribeDBClusters'],
        local.map((d) => arn(d, 'rds', `cluster:${d.aurora.clusterId}`)),
      );
      add(
        f.infra,
        'AuroraInstancesDescribe',
        ['rds:DescribeDBInstances'],
        local.map((d) => arn(d, 'rds', 'db:*')),
      );
      add(f.infra, 'AuroraEvents', ['rds:DescribeEvents'], ['*']);
      add(
        f.infra,
        'TargetGroupsDescribe',
        ['elasticloadbalancing:DescribeTargetGroups', 'elasticloadbalancing:DescribeTargetHealth'],
        ['*'],
      );
      add(
        f.infra,
        'Ec2Quotas',
        ['servicequotas:GetServiceQuota'],
        local.map((d) => arn(d, 'servicequotas', 'ec2/*')),
      );
      // cluster: endpoint and CA of the cluster, node groups; Kubernetes reads go through the access entry
      add(
        f.cluster,
        'EksDescribe',
        ['eks:DescribeCluster', 'eks:DescribeNodegroup'],
        local.flatMap((d) => [eksCluster(d), ...eksNodegroups(d)]),
      );
      // database: the named secret, or rds-db:connect as the named user
      const secretDbs = local.filter((d) => d.database?.auth.type === 'secret');
      if (secretDbs.length > 0) {
        add(
          f.database,
          'DatabaseSecret',
          ['secretsmanager:GetSecretValue'],
          secretDbs.map((d) => secretArn(d, (d.database!.auth as { secretId: string }).secretId)),
        );
      }
      const iamDbs = local.filter((d) => d.database?.auth.type === 'iam');
      if (iamDbs.length > 0) {
        const resourceIds = config.serverless?.dbResourceIds ?? {};
        add(
          f.database,
          'DatabaseIamConnect',
          ['rds-db:connect'],
          iamDbs.map((d) => arn(d, 'rds-db', `dbuser:${resourceIds[d.id] ?? '*'}/${d.database!.user}`)),
        );
      }
      // coder: the auditor's session token
      const coders = local.filter((d) => d.coder);
      if (coders.length > 0) {
        add(
          f.coder,
          'CoderToken',
          ['secretsmanager:GetSecretValue'],
          coders.map((d) => secretArn(d, d.coder!.tokenSecretId)),
        );
      }
    }

    // Customer managed keys of those secrets: decrypt through Secrets Manager only.
    const keyArns = config.serverless?.secretKmsKeyArns ?? [];
    if (local.length > 0 && keyArns.length > 0) {
      const readers: Array<[LambdaFunction, DeploymentConfig[]]> = [
        [f.database, local.filter((d) => d.database?.auth.type === 'secret')],
        [f.coder, local.filter((d) => d.coder)],
      ];
      for (const [fn, ds] of readers) {
        if (ds.length === 0) continue;
        fn.addToRolePolicy(
          new iam.PolicyStatement({
            sid: 'SecretKeysDecrypt',
            actions: ['kms:Decrypt'],
            resources: [...new Set(keyArns)],
            conditions: {
              StringEquals: {
                'kms:ViaService': [...new Set(ds.map((d) => `secretsmanager.${d.aws.region}.amazonaws.com`))],
              },
            },
          }),
        );
      }
    }

    // Egress of the VPC functions: only what each group talks to.
    const sg = this.securityGroups;
    sg.cluster?.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'Kubernetes API, EKS and STS');
    if (sg.database) {
      for (const port of new Set(config.deployments.map((d) => d.database?.port ?? 5432))) {
        sg.database.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(port), `PostgreSQL ${port}`);
      }
      sg.database.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'Secrets Manager, STS');
    }
    if (sg.coder) {
      const ports = new Set([443]);
      for (const d of config.deployments) {
        for (const u of [d.coder?.url, d.coder?.oidc?.issuerUrl]) if (u) ports.add(urlPort(u));
      }
      for (const port of ports)
        sg.coder.addEgressRule(
          ec2.Peer.anyIpv4(),
          ec2.Port.tcp(port),
          `HTTPS ${port}: coderd, OIDC issuer, Secrets Manager`,
        );
    }
  }

  /** EKS access entries: the cluster function's role may view the Coder namespaces, nothing else. */
  private addAccessEntries(config: AuditConfig): void {
    const stack = Stack.of(this);
    for (const d of config.deployments) {
      if (d.aws.roleArn || (!Token.isUnresolved(stack.region) && stack.region !== d.aws.region)) {
        Annotations.of(this).addInfo(
          `deployment ${d.id}: no access entry created (other account or region); grant the audit role view access to the Coder namespaces there`,
        );
        continue;
      }
      const ns = d.namespaces;
      new CfnAccessEntry(this, `AccessEntry-${d.id}`, {
        clusterName: d.eks.clusterName,
        principalArn: this.functions.cluster.role!.roleArn,
        type: 'STANDARD',
        accessPolicies: [
          {
            policyArn: EKS_VIEW_POLICY,
            accessScope: {
              type: 'namespace',
              namespaces: [...new Set([ns.coderd, ns.provisioner, ns.workspaces])],
            },
          },
        ],
      });
    }
  }

  /** Debounced audits on deploy-shaped CloudTrail events (per deployment) and on `coder.deploy` events. */
  private addDeployRules(config: AuditConfig): void {
    const stack = Stack.of(this);
    const target = (input: events.RuleTargetInput) =>
      new SfnStateMachine(this.stateMachine, {
        input,
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
        deadLetterQueue: this.deadLetterQueue,
      });
    for (const d of config.deployments) {
      if (d.aws.roleArn || (!Token.isUnresolved(stack.region) && stack.region !== d.aws.region)) continue;
      const input = events.RuleTargetInput.fromObject({
        deployments: [d.id],
        debounce: true,
        trigger: 'cloudtrail',
      });
      for (const [name, source, match] of deployPatterns(d)) {
        this.rules.push(
          new events.Rule(this, `Deploy${name}-${d.id}`, {
            description: `coder-auditor: audit ${d.id} after ${DEPLOY_EVENTS[source].join('/')}`,
            eventPattern: {
              source: [source],
              detailType: ['AWS API Call via CloudTrail'],
              detail: { eventName: [...DEPLOY_EVENTS[source]], ...match },
            },
            targets: [target(input)],
          }),
        );
      }
    }
    this.rules.push(
      new events.Rule(this, 'CoderDeploy', {
        description: 'coder-auditor: audit a deployment after a Coder deploy (CI pipelines, Helm hooks)',
        eventPattern: {
          source: [CODER_DEPLOY_SOURCE],
          detail: { deployment: config.deployments.map((d) => d.id) },
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
  }

  /**
   * Failed executions, no successful audit for two alarm periods, and undeliverable trigger events alarm to
   * the topic.
   */
  private addAlarms(period: Duration): cloudwatch.Alarm[] {
    const sm = this.stateMachine;
    const five = Duration.minutes(5);
    const failures = new cloudwatch.MathExpression({
      expression: 'FILL(failed, 0) + FILL(timedOut, 0) + FILL(aborted, 0)',
      usingMetrics: {
        failed: sm.metricFailed({ period: five, statistic: 'Sum' }),
        timedOut: sm.metricTimedOut({ period: five, statistic: 'Sum' }),
        aborted: sm.metricAborted({ period: five, statistic: 'Sum' }),
      },
      period: five,
      label: 'Failed, timed-out or aborted audits',
    });
    const failed = new cloudwatch.Alarm(this, 'ExecutionFailedAlarm', {
      alarmDescription: 'coder-auditor: an audit execution failed, timed out or was aborted',
      metric: failures,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const silent = new cloudwatch.Alarm(this, 'NoSuccessfulAuditAlarm', {
      alarmDescription: `coder-auditor: no audit succeeded in two periods of ${period.toHumanString()}`,
      metric: sm.metricSucceeded({ period, statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    const undelivered = new cloudwatch.Alarm(this, 'TriggerDeadLettersAlarm', {
      alarmDescription:
        'coder-auditor: a schedule or deploy trigger could not start an audit (see the dead-letter queue)',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
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
    return [failed, silent, undelivered];
  }

  /** cdk-nag acknowledgements: each names the exact finding and why it is accepted. */
  private acknowledge(): void {
    const stack = Stack.of(this);
    const ref = (c: Construct) => stack.getLogicalId(c.node.defaultChild as never);
    const ack = (c: Construct, id: string, reason: string) => Validations.of(c).acknowledge({ id, reason });
    // How cdk-nag prints this stack's region and account in an ARN: the value, or the pseudo parameter.
    const here = {
      region: Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region,
      account: Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account,
    };
    const xray =
      'Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions.';
    for (const [role, fn] of Object.entries(this.functions)) {
      const policy = fn.role!.node.tryFindChild('DefaultPolicy')!;
      ack(
        policy,
        'AwsSolutions-IAM5[Resource::*]',
        `${xray} ${RESOURCE_STAR_REASON[role as FunctionRole] ?? ''}`.trim(),
      );
      if (this.securityGroups[role as GroupId]) {
        ack(
          policy,
          `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:${here.region}:${here.account}:network-interface/*]`,
          `Lambda creates, deletes and assigns addresses to the function's ENIs with its execution role; their ids are not known before. CreateNetworkInterface is also limited to the configured subnets and the function's security group, and a Deny on lambda:SourceFunctionArn keeps the function code itself from every ENI write (${SOURCE_FUNCTION_ARN_DOC}).`,
        );
      }
    }
    const infraPolicy = this.functions.infra.role!.node.tryFindChild('DefaultPolicy')!;
    const config = this.config;
    for (const d of config.deployments.filter((x) => !x.aws.roleArn)) {
      ack(
        infraPolicy,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:rds:${d.aws.region}:<AWS::AccountId>:db:*]`,
        'DescribeDBInstances filters the Aurora cluster members by cluster id; instance ids are not known at synth.',
      );
      ack(
        infraPolicy,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:servicequotas:${d.aws.region}:<AWS::AccountId>:ec2/*]`,
        'GetServiceQuota reads the EC2 vCPU quotas of the node groups; scoped to EC2 quotas of the account.',
      );
      for (const fn of [this.functions.infra, this.functions.cluster]) {
        const p = fn.role!.node.tryFindChild('DefaultPolicy')!;
        for (const ng of d.eks.nodegroups) {
          ack(
            p,
            `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:eks:${d.aws.region}:<AWS::AccountId>:nodegroup/${d.eks.clusterName}/${ng}/*]`,
            'Node group ARNs end with a generated UUID; scoped to the configured cluster and node group name.',
          );
        }
      }
      if (d.database?.auth.type === 'iam' && !config.serverless?.dbResourceIds[d.id]) {
        ack(
          this.functions.database.role!.node.tryFindChild('DefaultPolicy')!,
          `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:rds-db:${d.aws.region}:<AWS::AccountId>:dbuser:*/${d.database.user}]`,
          'The Aurora DbClusterResourceId is not known offline (set serverless.dbResourceIds to scope it); the action is limited to the named read-only database user.',
        );
      }
      for (const [fn, secretId] of [
        [this.functions.database, d.database?.auth.type === 'secret' ? d.database.auth.secretId : undefined],
        [this.functions.coder, d.coder?.tokenSecretId],
      ] as const) {
        if (!secretId || secretId.startsWith('arn:')) continue;
        ack(
          fn.role!.node.tryFindChild('DefaultPolicy')!,
          `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:${d.aws.region}:<AWS::AccountId>:secret:${secretId}-??????]`,
          'Secret ARNs end with a random 6-character suffix; the pattern matches exactly the named secret.',
        );
      }
    }
    ack(
      this.functions.notify.role!.node.tryFindChild('DefaultPolicy')!,
      'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      'Publishing to the KMS-encrypted topic needs GenerateDataKey* on the topic key (the grant is scoped to that key).',
    );
    ack(
      this.deadLetterQueue,
      'AwsSolutions-SQS3',
      'This queue is itself the dead-letter queue of the schedule and rule targets; an alarm reports any message in it.',
    );
    // The workflow may invoke any version of its own functions, and Step Functions logging needs log delivery on *.
    const smPolicy = this.stateMachine.role.node.tryFindChild('DefaultPolicy')!;
    for (const fn of Object.values(this.functions)) {
      ack(
        smPolicy,
        `AwsSolutions-IAM5[Resource::<${ref(fn)}.Arn>:*]`,
        "Invoking the qualified ARN (versions/aliases) of the auditor's own function.",
      );
    }
    ack(
      smPolicy,
      'AwsSolutions-IAM5[Resource::*]',
      'CloudWatch Logs delivery (logs:*LogDelivery*, DescribeResourcePolicies/LogGroups) and X-Ray actions support no resource-level permissions.',
    );
  }
}

const VPC_DESCRIBE_REASON =
  'Lambda checks the VPC configuration with ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets, which support no resource-level permissions (read-only).';

/** Why a function's policy has `Resource: *` beyond X-Ray. */
const RESOURCE_STAR_REASON: Partial<Record<FunctionRole, string>> = {
  infra:
    'EC2 Describe*, elasticloadbalancing:Describe* and rds:DescribeEvents support no resource-level permissions (read-only).',
  cluster: VPC_DESCRIBE_REASON,
  database: VPC_DESCRIBE_REASON,
  coder: VPC_DESCRIBE_REASON,
};

/** `arn:<partition>:<service>:<deployment region>:<stack account>:<resource>`. */
function arn(d: DeploymentConfig, service: string, resource: string): string {
  return `arn:${Aws.PARTITION}:${service}:${d.aws.region}:${Aws.ACCOUNT_ID}:${resource}`;
}

/** The ARN pattern of a secret given by name or ARN. */
function secretArn(d: DeploymentConfig, secretId: string): string {
  return secretId.startsWith('arn:') ? secretId : arn(d, 'secretsmanager', `secret:${secretId}-??????`);
}

function urlPort(url: string): number {
  const u = new URL(url);
  return u.port ? Number(u.port) : u.protocol === 'http:' ? 80 : 443;
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
    const m = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(schedule.trim());
    if (!m) {
      return {
        problem: `serverless.alarmPeriodMinutes: required with the schedule "${schedule}" (only a rate(...) gives the period of the "no successful audit" alarm)`,
      };
    }
    const n = Number(m[1]);
    minutes = Math.max(5, m[2]!.startsWith('minute') ? n : m[2]!.startsWith('hour') ? n * 60 : n * 1440);
    field = `schedule "${schedule}"`;
  }
  if (minutes > MAX_ALARM_PERIOD_MINUTES) {
    return {
      problem: `${field}: the "no successful audit" alarm evaluates two periods of ${minutes} minutes, beyond what one CloudWatch alarm can evaluate (period × 2 at most 7 days, i.e. ${MAX_ALARM_PERIOD_MINUTES} minutes a period); audit more often or set serverless.alarmPeriodMinutes to at most ${MAX_ALARM_PERIOD_MINUTES}`,
    };
  }
  return { period: Duration.minutes(minutes) };
}

/**
 * What each deploy rule matches, by event source, beyond the event names of {@link DEPLOY_EVENTS}.
 * Field names are those CloudTrail records: camelCase `requestParameters` for most calls, but
 * `ModifySecurityGroupRules` nests its parameters as `requestParameters.ModifySecurityGroupRulesRequest.GroupId`.
 * Aurora instance ids need not start with the cluster id (and a prefix also matches sibling clusters such as
 * `coder-prod-aurora-2`): instance calls are matched on the cluster the RDS response names instead
 * (`responseElements.dBClusterIdentifier`), which is exact; failed calls have no response and change nothing.
 */
export function deployPatterns(
  d: DeploymentConfig,
): Array<[string, keyof typeof DEPLOY_EVENTS, Record<string, unknown>]> {
  const groups = [d.network.dbSecurityGroupId, d.network.nodeSecurityGroupId];
  const cluster = d.aurora.clusterId;
  return [
    ['Eks', 'aws.eks', { requestParameters: { name: [d.eks.clusterName] } }],
    [
      'Rds',
      'aws.rds',
      {
        $or: [
          // Cluster calls name the cluster (RDS identifiers are case-insensitive).
          { requestParameters: { dBClusterIdentifier: [{ 'equals-ignore-case': cluster }] } },
          // Instance calls (and cluster calls) return the cluster id, lower case, in the response.
          { responseElements: { dBClusterIdentifier: [cluster.toLowerCase()] } },
        ],
      },
    ],
    ['Elb', 'aws.elasticloadbalancing', { requestParameters: { targetGroupArn: d.nlb.targetGroupArns } }],
    [
      'Ec2',
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
  });
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
  const type =
    props.stateMachineType ??
    (sl?.expressWorkflow ? sfn.StateMachineType.EXPRESS : sfn.StateMachineType.STANDARD);
  const deployTriggers = props.deployTriggers ?? true;
  if (type === sfn.StateMachineType.EXPRESS && deployTriggers) {
    problems.push(
      `serverless.expressWorkflow: an Express execution lasts at most 5 minutes, less than the ${DEBOUNCE_SECONDS} s debounce wait plus the audit of deploy-triggered runs; use Standard or set deployTriggers: false`,
    );
  }
  const maxConcurrency = props.maxConcurrency ?? sl?.maxConcurrency ?? 4;
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1 || maxConcurrency > 40)
    problems.push('maxConcurrency: must be an integer from 1 to 40');
  const schedule = props.schedule ?? config.schedule;
  if (!/^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(.+\)|at\(.+\))$/.test(schedule.trim())) {
    problems.push(
      `schedule: "${schedule}" is not an EventBridge Scheduler expression (rate(...), cron(...) or at(...))`,
    );
  }
  const alarm = alarmPeriod(schedule, sl?.alarmPeriodMinutes);
  if (alarm.problem) problems.push(alarm.problem);
  const days = sl?.logRetentionDays ?? 90;
  const logRetention = props.logRetention ?? (days as logs.RetentionDays);
  if (!props.logRetention && !Object.values(logs.RetentionDays).includes(days)) {
    problems.push(
      `serverless.logRetentionDays: ${days} is not a CloudWatch Logs retention (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, ...)`,
    );
  }
  // What the group functions need: the deployments, without the serverless-only settings.
  const { serverless: _s, ...forFunctions } = config;
  const functionConfig = JSON.stringify({
    ...forFunctions,
    deployments: forFunctions.deployments.map(({ alertEmails: _a, ...d }) =>
      // A local CA file does not exist in Lambda: the database function trusts the runtime's bundle instead
      // (NODE_EXTRA_CA_CERTS, which includes the Amazon RDS certificate authorities).
      d.database ? { ...d, database: { ...d.database, tls: { ...d.database.tls, caFile: undefined } } } : d,
    ),
  });
  if (Buffer.byteLength(functionConfig) > MAX_CONFIG_BYTES) {
    problems.push(
      `deployments: the configuration embedded in the functions is ${Buffer.byteLength(functionConfig)} bytes, above the ${MAX_CONFIG_BYTES} bytes Lambda environment variables allow; deploy one stack per group of deployments`,
    );
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
  if (!vpc && config.deployments.some((d) => d.database || d.coder)) {
    Annotations.of(scope).addWarningV2(
      'coder-auditor:no-vpc',
      'serverless.vpcId is not set: the cluster, database and coder functions run outside any VPC and reach only public endpoints',
    );
  }
  const emails = props.alertEmails ?? [...new Set(config.deployments.flatMap((d) => d.alertEmails))];
  const runbookUrl = props.runbookUrl ?? sl?.runbookUrl;
  return {
    ...(vpc ? { vpc } : {}),
    ...(vpcSubnets ? { vpcSubnets } : {}),
    type,
    schedule,
    deployTriggers,
    maxConcurrency,
    logRetention,
    alarmPeriod: alarm.period!,
    alertEmails: emails,
    ...(runbookUrl ? { runbookUrl } : {}),
    createAccessEntries: props.createAccessEntries ?? true,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    functionConfig,
  };
}
