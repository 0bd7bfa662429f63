import { existsSync } from 'node:fs';
import { ArnFormat, Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { DeploymentConfig } from '../lambdas/audit/config.js';
import { GROUP_IDS, type GroupId } from '../lambdas/audit/model.js';
import { GROUP_READS } from '../lambdas/checks/reads.js';
import { RESULT_PREFIX } from '../lambdas/store/results.js';
import type { AuditorConfiguration } from './configuration.js';
import { lambdaAssetDir, type FunctionRole } from './paths.js';

/** The Lambda runtime's CA bundle, which includes the Amazon RDS certificate authorities. */
export const RDS_CA_BUNDLE = '/var/runtime/ca-cert.pem';
/** Timeout of the Notify function; the workflow's retries on an idempotency claim outwait it. */
export const NOTIFY_TIMEOUT_SECONDS = 30;
/** ENI actions Lambda needs besides CreateNetworkInterface (each acts on network interfaces only). */
export const ENI_MANAGE_ACTIONS = [
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
] as const;

/** A function's prebuilt bundle (`npm run build`): CDK users need no esbuild at synth. */
export function lambdaCode(role: FunctionRole): Code {
  const dir = lambdaAssetDir(role);
  if (!existsSync(`${dir}/index.mjs`))
    throw new Error(`coder-auditor: the ${role} function bundle is missing (${dir}); run \`npm run build\``);
  return Code.fromAsset(dir);
}

export interface AuditorFunctionsProps {
  /** Every configured deployment (their reads scope the group functions' permissions). */
  readonly deployments: readonly DeploymentConfig[];
  readonly configuration: AuditorConfiguration;
  readonly table: { tableName: string; tableArn: string };
  readonly topicArn: string;
  /** Timeout of the group functions. */
  readonly groupTimeout: Duration;
  /**
   * VPC of the cluster, database and coder functions.
   * @default no VPC
   */
  readonly vpc?: ec2.IVpc;
  /** @default the VPC's private subnets */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** @default no link */
  readonly runbookUrl?: string;
  /** Hours after which an open finding is reported once as "Finding still open" (0: never). @default 24 */
  readonly stillOpenAfterHours?: number;
  /** Aurora cluster resource ids by deployment id (scope `rds-db:connect`). @default none */
  readonly dbResourceIds?: Record<string, string>;
  /** Customer managed keys of the secrets. @default none */
  readonly secretKmsKeyArns?: readonly string[];
}

/**
 * The six functions: one per check group (each allowed exactly the reads its group declares in
 * `lambdas/checks/<group>/reads.ts`) plus aggregate and notify; Node.js 24 on arm64, prebuilt bundles, own
 * role and log group, X-Ray, and for the VPC functions an egress-only security group.
 */
export class AuditorFunctions extends Construct {
  public readonly functions: Record<FunctionRole, LambdaFunction>;
  /** Security groups of the VPC functions (allow them in the database / API security groups). */
  public readonly securityGroups: Partial<Record<GroupId, ec2.SecurityGroup>> = {};
  private readonly props: AuditorFunctionsProps;

  public constructor(scope: Construct, id: string, props: AuditorFunctionsProps) {
    super(scope, id);
    this.props = props;
    const { table } = props;
    const runbook: Record<string, string> = props.runbookUrl ? { RUNBOOK_URL: props.runbookUrl } : {};
    // No function reads SSM: the workflow passes each deployment's document (one GetParameters per batch).
    const groupEnv = { TABLE_NAME: table.tableName };
    const make = (
      role: FunctionRole,
      o: { vpc?: boolean; memory?: number; timeout: Duration; env: Record<string, string> },
    ) => this.makeFunction(role, o);
    this.functions = {
      infra: make('infra', { timeout: props.groupTimeout, env: groupEnv }),
      cluster: make('cluster', { vpc: true, memory: 512, timeout: props.groupTimeout, env: groupEnv }),
      // Since Node.js 20, Lambda loads its extra CA bundle (with the Amazon RDS certificate authorities) only
      // when asked: TLS to Aurora is verified against it.
      database: make('database', {
        vpc: true,
        timeout: props.groupTimeout,
        env: { ...groupEnv, NODE_EXTRA_CA_CERTS: RDS_CA_BUNDLE },
      }),
      coder: make('coder', { vpc: true, timeout: props.groupTimeout, env: groupEnv }),
      aggregate: make('aggregate', {
        timeout: Duration.seconds(60),
        // Its deployment's document (in the event) holds the mutes and overrides it applies first.
        env: {
          TABLE_NAME: table.tableName,
          STILL_OPEN_AFTER_HOURS: String(props.stillOpenAfterHours ?? 24),
          ...runbook,
        },
      }),
      notify: make('notify', {
        timeout: Duration.seconds(NOTIFY_TIMEOUT_SECONDS),
        env: { TABLE_NAME: table.tableName, TOPIC_ARN: props.topicArn },
      }),
    };
    for (const g of GROUP_IDS) {
      // Results too large for the workflow go to the table, as result chunks only.
      this.functions[g].addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'GroupResultsByReference',
          actions: ['dynamodb:PutItem'],
          resources: [table.tableArn],
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${RESULT_PREFIX}*`] } },
        }),
      );
    }
    // One event per finding change, on this account's and region's default bus only.
    this.functions.aggregate.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'FindingEventsToDefaultBus',
        actions: ['events:PutEvents'],
        resources: [
          Stack.of(this).formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' }),
        ],
      }),
    );
    this.grantTable(this.functions.aggregate, 'FindingsReadWrite', [
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
    // Run items (alert, notified mark) and Powertools Idempotency records.
    this.grantTable(this.functions.notify, 'AlertsAndIdempotency', [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
    ]);
    this.grantGroupReads();
  }

  private grantTable(fn: LambdaFunction, sid: string, actions: string[]): void {
    fn.addToRolePolicy(new iam.PolicyStatement({ sid, actions, resources: [this.props.table.tableArn] }));
  }

  /** One function with its own role (logs on its own log group only), X-Ray, and optionally the VPC. */
  private makeFunction(
    role: FunctionRole,
    opts: { vpc?: boolean; memory?: number; timeout: Duration; env: Record<string, string> },
  ): LambdaFunction {
    const p = this.props;
    const name = role[0]!.toUpperCase() + role.slice(1);
    const logGroup = new logs.LogGroup(this, `${name}Logs`, {
      retention: p.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: p.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    const execRole = new iam.Role(this, `${name}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `coder-auditor ${role} function`,
    });
    logGroup.grantWrite(execRole);
    const inVpc = opts.vpc === true && p.vpc !== undefined;
    let securityGroups: ec2.ISecurityGroup[] | undefined;
    if (inVpc) {
      const sg = new ec2.SecurityGroup(this, `${name}SecurityGroup`, {
        vpc: p.vpc!,
        description: `coder-auditor ${role} function: egress only`,
        allowAllOutbound: false,
      });
      this.securityGroups[role as GroupId] = sg;
      securityGroups = [sg];
      const ec2Arn = (resource: string) =>
        Stack.of(this).formatArn({ service: 'ec2', resource, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
      const subnetIds = p.vpc!.selectSubnets(p.vpcSubnets).subnetIds;
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
            ...subnetIds.map((s) => ec2Arn(`subnet/${s}`)),
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
      timeout: opts.timeout,
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
      ...(inVpc ? { vpc: p.vpc, vpcSubnets: p.vpcSubnets, securityGroups } : {}),
    });
    if (inVpc) {
      // The ENI permissions are Lambda's, not the code's: requests the function code makes carry
      // lambda:SourceFunctionArn, those Lambda makes to manage the ENIs do not.
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

  /**
   * Each group function may make the reads its group declares, on the resources of the deployments audited
   * with the execution role (those with `aws.roleArn` are read through that role, which it may assume).
   */
  private grantGroupReads(): void {
    const p = this.props;
    const local = p.deployments.filter((d) => !d.aws.roleArn);
    const roleArns = [...new Set(p.deployments.flatMap((d) => (d.aws.roleArn ? [d.aws.roleArn] : [])))];
    for (const group of GROUP_IDS) {
      const fn = this.functions[group];
      if (roleArns.length > 0)
        fn.addToRolePolicy(
          new iam.PolicyStatement({
            sid: 'AssumeAuditRoles',
            actions: ['sts:AssumeRole'],
            resources: roleArns,
          }),
        );
      for (const read of GROUP_READS[group]) {
        const resources = [
          ...new Set(
            local.flatMap((d) =>
              read.resources(d, {
                arn: (service, resource) =>
                  `arn:${Aws.PARTITION}:${service}:${d.aws.region}:${Aws.ACCOUNT_ID}:${resource}`,
                ...(p.dbResourceIds?.[d.id] ? { dbResourceId: p.dbResourceIds[d.id] } : {}),
              }),
            ),
          ),
        ];
        if (resources.length === 0) continue;
        fn.addToRolePolicy(new iam.PolicyStatement({ sid: read.sid, actions: [...read.actions], resources }));
      }
    }
    // Customer managed keys of those secrets: decrypt through Secrets Manager only.
    const keyArns = p.secretKmsKeyArns ?? [];
    const readers: Array<[LambdaFunction, DeploymentConfig[]]> = [
      [this.functions.database, local.filter((d) => d.database?.auth.type === 'secret')],
      [this.functions.coder, local.filter((d) => d.coder)],
    ];
    for (const [fn, ds] of readers) {
      if (ds.length === 0 || keyArns.length === 0) continue;
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
    // Egress of the VPC functions: only what each group talks to.
    const sg = this.securityGroups;
    sg.cluster?.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'Kubernetes API, EKS, STS, SSM, DynamoDB',
    );
    if (sg.database) {
      for (const port of new Set(p.deployments.map((d) => d.database?.port ?? 5432)))
        sg.database.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(port), `PostgreSQL ${port}`);
      sg.database.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'Secrets Manager, STS, SSM, DynamoDB');
    }
    if (sg.coder) {
      const ports = new Set([443]);
      for (const d of p.deployments)
        for (const u of [d.coder?.url, d.coder?.oidc?.issuerUrl]) if (u) ports.add(urlPort(u));
      for (const port of ports)
        sg.coder.addEgressRule(
          ec2.Peer.anyIpv4(),
          ec2.Port.tcp(port),
          `HTTPS ${port}: coderd, OIDC issuer, AWS APIs`,
        );
    }
  }
}

function urlPort(url: string): number {
  const u = new URL(url);
  return u.port ? Number(u.port) : u.protocol === 'http:' ? 80 : 443;
}
