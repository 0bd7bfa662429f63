import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parse as parseYaml } from 'yaml';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, parseConfig, type AuditConfig } from '../../lambdas/audit/config.js';
import { GROUP_READS } from '../../lambdas/checks/reads.js';
import { alarmPeriod, GATE_ATTRIBUTES } from '../../lib/coder-auditor.js';
import { CoderAuditorStack } from '../../lib/coder-auditor-stack.js';

const EXAMPLE = join(import.meta.dirname, '..', '..', 'examples', 'config.yaml');

/** An app that skips esbuild bundling (asset hashes only): assertions need the template, not the code. */
function synth(config: AuditConfig, nag = false): { app: App; stack: CoderAuditorStack; template: Template } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new CoderAuditorStack(app, 'Test', {
    config,
    env: { account: '123456789012', region: 'us-east-1' },
  });
  if (nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, template: Template.fromStack(stack) };
}

function withChanges(change: (doc: Record<string, unknown>) => void): AuditConfig {
  const doc = parseYaml(readFileSync(EXAMPLE, 'utf8')) as Record<string, unknown>;
  change(doc);
  return parseConfig(doc);
}

type Statement = {
  Action: string | string[];
  Resource: unknown;
  Effect: string;
  Condition?: Record<string, Record<string, unknown>>;
  Principal?: unknown;
  Sid?: string;
};
const refs = (resource: unknown): string => JSON.stringify(resource);

describe('Construct: CoderAuditor', () => {
  let template: Template;
  let stack: CoderAuditorStack;
  beforeAll(() => {
    ({ template, stack } = synth(loadConfig(EXAMPLE)));
  });

  describe('Resources', () => {
    it('runs one Node 24 arm64 function per check group plus aggregate and notify, traced', () => {
      template.resourceCountIs('AWS::Lambda::Function', 6);
      template.allResourcesProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: Match.objectLike({ LogGroup: Match.anyValue() }),
      });
      const fns = template.findResources('AWS::Lambda::Function');
      const inVpc = Object.values(fns)
        .filter((f) => f.Properties.VpcConfig)
        .map((f) => f.Properties.Description);
      expect(inVpc.sort()).toEqual([
        'coder-auditor: cluster',
        'coder-auditor: coder',
        'coder-auditor: database',
      ]);
      // The configuration lives in SSM Parameter Store, read at run time by the workflow (which passes each
      // deployment's document to its functions): no deployment, and no SSM, in any function's environment.
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        DefinitionSubstitutions: Match.objectLike({
          DeploymentParameterPrefix: '/coder-auditor/Test/deployments/',
        }),
      });
      const envs = JSON.stringify(Object.values(fns).map((f) => f.Properties.Environment));
      expect(envs).not.toContain('coder-prod');
      expect(envs).not.toContain('CONFIG_PARAMETER_PREFIX');
      template.hasResourceProperties('AWS::SSM::Parameter', {
        Name: '/coder-auditor/Test/deployments/prod',
        Type: 'String',
        Value: Match.stringLikeRegexp('"clusterName":"coder-prod"'),
      });
      template.hasResourceProperties('AWS::SSM::Parameter', {
        Name: '/coder-auditor/Test/fleet',
        Value: '["prod"]',
      });
    });

    it('verifies Aurora TLS in Lambda against the runtime CA bundle, not a local CA file', () => {
      const config = withChanges((doc) => {
        const d = (doc.deployments as Array<{ database: { tls?: unknown } }>)[0]!;
        d.database.tls = { caFile: '/home/me/rds-global-bundle.pem' };
      });
      const t = synth(config).template;
      const fns = Object.values(t.findResources('AWS::Lambda::Function'));
      const db = fns.find((f) => f.Properties.Description === 'coder-auditor: database')!;
      const env = db.Properties.Environment.Variables as Record<string, string>;
      expect(env.NODE_EXTRA_CA_CERTS).toBe('/var/runtime/ca-cert.pem');
      const param = Object.values(t.findResources('AWS::SSM::Parameter')).find(
        (p) => p.Properties.Name === '/coder-auditor/Test/deployments/prod',
      )!;
      const stored = JSON.parse(param.Properties.Value as string) as AuditConfig['deployments'][number];
      expect(stored.database!.tls).toEqual({ disable: false });
      expect(JSON.stringify(t.toJSON())).not.toContain('rds-global-bundle');
    });

    it("hands each deployment's mutes and overrides to the Aggregate function through its parameter", () => {
      const config = withChanges((doc) => {
        const id = (doc.deployments as Array<{ id: string }>)[0]!.id;
        doc.deployments = [
          ...(doc.deployments as object[]),
          { ...(doc.deployments as object[])[0], id: 'lab' },
        ];
        doc.mutes = [
          {
            check: 'pods-pending',
            reason: 'capacity',
            owner: 'platform',
            expires: '2099-01-01',
            deployments: [id],
          },
          {
            check: 'coderd-ready',
            reason: 'lab only',
            owner: 'sre',
            expires: '2099-01-01',
            deployments: ['lab'],
          },
        ];
        doc.overrides = [{ check: 'db-size', severity: 'low', reason: 'small' }];
      });
      const t = synth(config).template;
      const params = Object.values(t.findResources('AWS::SSM::Parameter'));
      const stored = (name: string) =>
        JSON.parse(params.find((p) => p.Properties.Name === name)!.Properties.Value as string) as AuditConfig;
      const prod = stored('/coder-auditor/Test/deployments/prod');
      // Only the rules of this deployment, without their deployment lists (already applied).
      expect(prod.mutes).toEqual([
        {
          check: 'pods-pending',
          resource: '*',
          reason: 'capacity',
          owner: 'platform',
          expires: '2099-01-01',
        },
      ]);
      expect(prod.overrides).toEqual([
        { check: 'db-size', severity: 'low', disabled: false, reason: 'small' },
      ]);
      expect(stored('/coder-auditor/Test/deployments/lab').mutes?.map((m) => m.check)).toEqual([
        'coderd-ready',
      ]);
      // The group functions parse the same document with the configuration schema: it must stay valid.
      expect(() => parseConfig(prod)).not.toThrow();
    });

    it('keeps findings in an on-demand, encrypted table with PITR, TTL and the open-by-severity index', () => {
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'open-by-severity' })],
      });
    });

    it('alerts through a KMS-encrypted topic that enforces TLS, with the configured e-mail subscriptions', () => {
      template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'platform-oncall@example.com',
      });
      template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    });

    it('lets only CloudWatch alarms of this account and region publish to the topic and use its key', () => {
      const topic = { Ref: stack.getLogicalId(stack.auditor.topic.node.defaultChild as never) };
      const fromOwnAlarms = {
        ArnLike: {
          'aws:SourceArn': {
            'Fn::Join': [
              '',
              ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:us-east-1:123456789012:alarm:*'],
            ],
          },
        },
        StringEquals: { 'aws:SourceAccount': '123456789012' },
      };
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [topic],
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Sid: 'AlarmsPublish',
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: 'sns:Publish',
              Resource: topic,
              Condition: fromOwnAlarms,
            },
          ]),
        },
      });
      const keyStatements = Object.values(template.findResources('AWS::KMS::Key'))[0]!.Properties.KeyPolicy
        .Statement as Statement[];
      const toCloudWatch = keyStatements.filter((s) => refs(s.Principal).includes('cloudwatch'));
      expect(toCloudWatch).toEqual([
        {
          Sid: 'AlarmsEncryptAlerts',
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          Resource: '*',
          Condition: fromOwnAlarms,
        },
      ]);
    });

    it('deploys the ASL as a traced, logged Standard workflow with every substitution', () => {
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineType: 'STANDARD',
        TracingConfiguration: { Enabled: true },
        // ERROR by default (serverless.workflowLogLevel): every state event of a fleet would cost the most.
        LoggingConfiguration: Match.objectLike({ Level: 'ERROR', IncludeExecutionData: false }),
        DefinitionSubstitutions: Match.objectLike({
          InfraFunctionArn: Match.anyValue(),
          ClusterFunctionArn: Match.anyValue(),
          DatabaseFunctionArn: Match.anyValue(),
          CoderFunctionArn: Match.anyValue(),
          AggregateFunctionArn: Match.anyValue(),
          NotifyFunctionArn: Match.anyValue(),
          TableName: Match.anyValue(),
        }),
      });
    });

    it('times the group tasks out 10 s after the group functions', () => {
      const fns = Object.values(template.findResources('AWS::Lambda::Function'));
      const timeouts = ['infra', 'cluster', 'database', 'coder'].map(
        (g) =>
          fns.find((f) => f.Properties.Description === `coder-auditor: ${g}`)!.Properties.Timeout as number,
      );
      expect(new Set(timeouts).size).toBe(1);
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        DefinitionSubstitutions: Match.objectLike({ GroupTaskTimeoutSeconds: String(timeouts[0]! + 10) }),
      });
    });

    it('lets the workflow update only the gate attributes of the configured deployments', () => {
      const gate = Object.entries(template.findResources('AWS::IAM::Policy'))
        .filter(([id]) => id.includes('StateMachineRole'))
        .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Statement[])
        .filter((s) => [s.Action].flat().some((a) => a.startsWith('dynamodb:')));
      expect(gate).toEqual([
        {
          Sid: 'DebounceGate',
          Effect: 'Allow',
          Action: ['dynamodb:UpdateItem', 'dynamodb:GetItem'],
          Resource: {
            'Fn::GetAtt': [stack.getLogicalId(stack.auditor.table.node.defaultChild as never), 'Arn'],
          },
          Condition: {
            'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['DEP#*'] },
            'ForAllValues:StringEquals': {
              'dynamodb:Attributes': ['pk', 'sk', 'lockedBy', 'lockedAt', 'lastEventAt'],
            },
            StringEqualsIfExists: {
              'dynamodb:ReturnValues': ['NONE', 'ALL_NEW', 'UPDATED_OLD', 'UPDATED_NEW'],
            },
          },
        },
      ]);
      // Every attribute the ASL's gate updates and conditions name is allowed.
      const asl = readFileSync(
        join(import.meta.dirname, '..', '..', 'statemachines', 'audit.asl.json'),
        'utf8',
      );
      const used = [...asl.matchAll(/"(?:UpdateExpression|ConditionExpression)":\s*"([^"]+)"/g)].flatMap(
        (m) => [...m[1]!.matchAll(/(?<![:#\w])([A-Za-z_]\w*)\b(?!\s*\()/g)].map((x) => x[1]!),
      );
      const keywords = new Set(['SET', 'REMOVE', 'ADD', 'DELETE', 'AND', 'OR', 'NOT']);
      const attributes = new Set(used.filter((a) => !keywords.has(a)));
      expect(attributes.size).toBeGreaterThan(0);
      for (const a of attributes) expect(GATE_ATTRIBUTES).toContain(a);
    });

    it('grants the cluster role view access to the Coder namespaces only, and the group of its DNS Role', () => {
      template.hasResourceProperties('AWS::EKS::AccessEntry', {
        ClusterName: 'coder-prod',
        Type: 'STANDARD',
        KubernetesGroups: ['coder-auditor'],
        PrincipalArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('ClusterRole'), 'Arn'] },
        AccessPolicies: [
          {
            PolicyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy',
            AccessScope: { Type: 'namespace', Namespaces: ['coder', 'coder-prov', 'coder-ws'] },
          },
        ],
      });
    });
  });

  describe('Triggers and alarms', () => {
    it('audits every deployment on the configured schedule', () => {
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'rate(1 hour)',
        // The workflow reads the fleet from its parameter: adding a deployment changes no schedule.
        Target: Match.objectLike({ Input: JSON.stringify({ trigger: 'schedule' }) }),
      });
    });

    it('starts a debounced audit on deploy-shaped CloudTrail events and coder.deploy events, and frees abandoned gates', () => {
      const rules = Object.values(template.findResources('AWS::Events::Rule'));
      const pattern = (r: (typeof rules)[number]) => r.Properties.EventPattern as Record<string, unknown>;
      const deploy = rules.find((r) => (pattern(r).$or as unknown[] | undefined) !== undefined)!;
      const p = pattern(deploy) as {
        account: string[];
        region: string[];
        $or: Array<{ source: string[]; detail: Record<string, unknown> }>;
      };
      expect(p.account).toEqual(['123456789012']);
      expect(p.region).toEqual(['us-east-1']);
      const bySource = (source: string) => p.$or.find((x) => x.source[0] === source)!.detail;
      const groups = ['sg-0db0000000000001a', 'sg-0e0de0000000000b2'];
      // Field names as CloudTrail records them (node group calls name the cluster clusterName).
      expect(bySource('aws.eks')).toEqual({
        eventName: ['UpdateNodegroupConfig', 'UpdateNodegroupVersion'],
        $or: [
          { requestParameters: { clusterName: ['coder-prod'] } },
          { requestParameters: { name: ['coder-prod'] } },
        ],
      });
      expect(bySource('aws.rds')).toEqual({
        eventName: ['ModifyDBCluster', 'FailoverDBCluster', 'ModifyDBInstance', 'RebootDBInstance'],
        $or: [
          { requestParameters: { dBClusterIdentifier: [{ 'equals-ignore-case': 'coder-prod-aurora' }] } },
          { responseElements: { dBClusterIdentifier: ['coder-prod-aurora'] } },
        ],
      });
      expect(bySource('aws.elasticloadbalancing')).toMatchObject({
        requestParameters: {
          targetGroupArn: [
            'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/coder-prod-coderd/0123456789abcdef',
          ],
        },
      });
      expect(bySource('aws.ec2')).toMatchObject({
        $or: [
          { requestParameters: { groupId: groups } },
          { requestParameters: { ModifySecurityGroupRulesRequest: { GroupId: groups } } },
        ],
      });
      const coder = rules.find((r) => (pattern(r).source as string[] | undefined)?.[0] === 'coder.deploy')!;
      expect(pattern(coder).detail).toEqual({ deployment: ['prod'] });
      for (const rule of [deploy, coder]) {
        expect(
          JSON.stringify(rule.Properties.Targets[0].Input ?? rule.Properties.Targets[0].InputTransformer),
        ).toContain('debounce');
      }
      const release = rules.find((r) => (pattern(r).source as string[] | undefined)?.[0] === 'aws.states')!;
      expect(pattern(release)).toMatchObject({
        'detail-type': ['Step Functions Execution Status Change'],
        detail: { status: ['ABORTED', 'FAILED', 'TIMED_OUT'] },
      });
      expect(JSON.stringify(release.Properties.Targets[0].InputTransformer)).toContain('release');
    });

    it('sends events the schedule and rules cannot deliver to an encrypted, TLS-only dead-letter queue', () => {
      const dlq = {
        'Fn::GetAtt': [stack.getLogicalId(stack.auditor.deadLetterQueue.node.defaultChild as never), 'Arn'],
      };
      template.resourceCountIs('AWS::SQS::Queue', 1);
      template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
      const rules = Object.values(template.findResources('AWS::Events::Rule'));
      expect(rules.length).toBe(3);
      for (const rule of rules) {
        for (const target of rule.Properties.Targets) expect(target.DeadLetterConfig).toEqual({ Arn: dlq });
      }
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        Target: Match.objectLike({ DeadLetterConfig: { Arn: dlq } }),
      });
    });

    it('alarms to the topic on failed executions, no successful audit for two periods, and dead letters', () => {
      const topic = { Ref: stack.getLogicalId(stack.auditor.topic.node.defaultChild as never) };
      template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Metrics: Match.arrayWith([Match.objectLike({ Expression: Match.stringLikeRegexp('failed') })]),
        AlarmActions: [topic],
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ExecutionsSucceeded',
        ComparisonOperator: 'LessThanThreshold',
        EvaluationPeriods: 2,
        Period: 3600,
        TreatMissingData: 'breaching',
        AlarmActions: [topic],
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [
          {
            Name: 'QueueName',
            Value: {
              'Fn::GetAtt': [
                stack.getLogicalId(stack.auditor.deadLetterQueue.node.defaultChild as never),
                'QueueName',
              ],
            },
          },
        ],
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 1,
        AlarmActions: [topic],
        OKActions: [topic],
      });
    });
  });

  describe('IAM', () => {
    const statementsByPolicy = (t: Template = template): Array<[string, Statement]> =>
      Object.entries(t.findResources('AWS::IAM::Policy')).flatMap(([id, p]) =>
        (p.Properties.PolicyDocument.Statement as Statement[]).map((s): [string, Statement] => [id, s]),
      );
    const resourcesOf = (s: Statement): string[] => [s.Resource].flat().map(refs);
    /**
     * The only actions allowed on `*`: none of them supports resource-level permissions (an empty "Resource
     * types" column in the Service Authorization Reference).
     */
    const NO_RESOURCE_LEVEL = new Set([
      // X-Ray tracing of the functions and of the workflow
      'xray:PutTraceSegments',
      'xray:PutTelemetryRecords',
      'xray:GetSamplingRules',
      'xray:GetSamplingTargets',
      // Step Functions log delivery to CloudWatch Logs (vended logs)
      'logs:CreateLogDelivery',
      'logs:GetLogDelivery',
      'logs:UpdateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:DescribeResourcePolicies',
      'logs:DescribeLogGroups',
      // Lambda's check of the VPC configuration of the VPC functions
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeSubnets',
      // reads of the infra group
      'ec2:DescribeSecurityGroups',
      'ec2:DescribeVpcEndpoints',
      'ec2:DescribeInstanceTypes',
      'rds:DescribeEvents',
      'elasticloadbalancing:DescribeTargetGroups',
      'elasticloadbalancing:DescribeTargetHealth',
      'ec2:DescribeNatGateways',
      'ec2:DescribeRouteTables',
      'ec2:DescribeVolumes',
      'cloudwatch:GetMetricData',
      'cloudtrail:LookupEvents',
    ]);

    it('allows every action, read or write, only on the configured or own resources (`*` only where IAM has no resource level)', () => {
      const a = stack.auditor;
      const id = (c: { node: { defaultChild?: unknown } }) =>
        stack.getLogicalId(c.node.defaultChild as never);
      const sgs = Object.values(a.securityGroups).map((sg) => id(sg));
      const ec2Arn = (resource: string) =>
        `{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":ec2:us-east-1:123456789012:${resource}`;
      // action → what each of its resources must be
      // A group read in the deployment's region and the stack's account: `arn:<partition>:<service>:<region>:<account>:<resource>`.
      const readArnHere = (service: string, resource: string) =>
        `{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":${service}:us-east-1:123456789012:${resource}"]]}`;
      const readArn = (service: string, resource: string) =>
        `{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":${service}:us-east-1:",{"Ref":"AWS::AccountId"},":${resource}"]]}`;
      const scopes: Array<[RegExp, (res: string) => boolean]> = [
        [
          /^eks:Describe(Cluster|Nodegroup)$/,
          (r) =>
            [
              'cluster/coder-prod',
              'nodegroup/coder-prod/coder-prod-system/*',
              'nodegroup/coder-prod/coder-prod-ws/*',
            ].some((x) => r === readArn('eks', x)),
        ],
        [/^rds:DescribeDBClusters$/, (r) => r === readArn('rds', 'cluster:coder-prod-aurora')],
        // Aurora member ids are unknown at synth: the collector filters DescribeDBInstances by the cluster id.
        [/^rds:DescribeDBInstances$/, (r) => r === readArn('rds', 'db:*')],
        [
          /^servicequotas:GetServiceQuota$/,
          (r) => r === readArn('servicequotas', 'ec2/*') || r === readArn('servicequotas', 'ebs/L-7A658B76'),
        ],
        [
          /^secretsmanager:GetSecretValue$/,
          (r) => r === readArn('secretsmanager', 'secret:coder-auditor/prod/coder-token-??????'),
        ],
        [
          /^rds-db:connect$/,
          (r) => r === readArn('rds-db', 'dbuser:cluster-ABCDEFGHIJKLMNOPQRSTUVWX12/coder_auditor'),
        ],
        [
          /^dynamodb:(GetItem|Query|PutItem|UpdateItem|DeleteItem)$/,
          (r) => r === `{"Fn::GetAtt":["${id(a.table)}","Arn"]}`,
        ],
        [/^ssm:GetParameter$/, (r) => r.includes(id(a.configuration.fleetParameter))],
        [
          /^ssm:GetParameters$/,
          (r) =>
            r === readArnHere('ssm', 'parameter/coder-auditor/Test/deployments/*') ||
            r.includes(id(a.configuration.fleetParameter)),
        ],
        [
          /^ssm:(DescribeParameters|GetParameterHistory)$/,
          (r) => r.includes(id(a.configuration.fleetParameter)),
        ],
        [
          /^states:StartExecution$/,
          (r) => r.includes(':states:us-east-1:123456789012:stateMachine:Test-coder-auditor'),
        ],
        [
          /^states:(DescribeExecution|StopExecution)$/,
          (r) => /:states:us-east-1:123456789012:(execution|express):Test-coder-auditor\/\*/.test(r),
        ],
        [/^sns:Publish$/, (r) => r === `{"Ref":"${id(a.topic)}"}`],
        [/^kms:(Decrypt|GenerateDataKey\*)$/, (r) => r === `{"Fn::GetAtt":["${id(a.key)}","Arn"]}`],
        [
          /^logs:(CreateLogStream|PutLogEvents)$/,
          (r) => /^\{"Fn::GetAtt":\["Auditor\w+Logs\w+","Arn"\]\}$/.test(r),
        ],
        [
          /^ec2:CreateNetworkInterface$/,
          (r) =>
            [1, 2].some((n) => r === ec2Arn(`subnet/subnet-0a1b2c3d4e5f6000${n}"]]}`)) ||
            (r.startsWith(ec2Arn('security-group/"')) && sgs.some((sg) => r.includes(`"${sg}","GroupId"`))) ||
            r === ec2Arn('network-interface/*"]]}'),
        ],
        [
          /^ec2:(DeleteNetworkInterface|(Assign|Unassign)PrivateIpAddresses)$/,
          (r) => r === ec2Arn('network-interface/*"]]}'),
        ],
        [
          /^lambda:InvokeFunction$/,
          (r) =>
            Object.values(a.functions).some(
              (f) =>
                r.startsWith(`{"Fn::GetAtt":["${id(f)}","Arn"]}`) || r.includes(`["${id(f)}","Arn"]},":*"`),
            ),
        ],
        [
          /^states:StartExecution$/,
          (r) => r === `{"Ref":"${id(a.stateMachine)}"}` || r.includes(':stateMachine:Test-coder-auditor'),
        ],
        [/^sqs:SendMessage$/, (r) => r === `{"Fn::GetAtt":["${id(a.deadLetterQueue)}","Arn"]}`],
        // Finding events: the default bus of the stack's account and region only.
        [/^events:PutEvents$/, (r) => r.endsWith(':events:us-east-1:123456789012:event-bus/default"]]}')],
      ];
      const problems: string[] = [];
      for (const [policy, s] of statementsByPolicy()) {
        if (s.Effect !== 'Allow') continue;
        for (const action of [s.Action].flat()) {
          for (const res of resourcesOf(s)) {
            const ok =
              res === '"*"'
                ? NO_RESOURCE_LEVEL.has(action)
                : scopes.some(([pattern, allowed]) => pattern.test(action) && allowed(res));
            if (!ok) problems.push(`${policy}: ${action} on ${res}`);
          }
        }
      }
      expect(problems).toEqual([]);
      // Log delivery is the workflow's only.
      for (const [policy, s] of statementsByPolicy()) {
        if ([s.Action].flat().some((x) => x.startsWith('logs:') && x.includes('Delivery')))
          expect(policy).toMatch(/StateMachineRole/);
      }
    });

    it('lets Lambda manage the ENIs of the VPC functions in the configured subnets, and denies ENI writes to their code', () => {
      const a = stack.auditor;
      const statements = statementsByPolicy();
      for (const group of ['cluster', 'database', 'coder'] as const) {
        const fn = a.functions[group];
        const role = stack.getLogicalId(fn.role!.node.defaultChild as never);
        const attached = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
          refs(p.Properties.Roles).includes(role),
        );
        const ofRole = attached.flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
        const create = ofRole.find((s) => s.Effect === 'Allow' && s.Action === 'ec2:CreateNetworkInterface')!;
        const created = resourcesOf(create).join(' ');
        expect(created).toContain(':subnet/subnet-0a1b2c3d4e5f60001');
        expect(created).toContain(':subnet/subnet-0a1b2c3d4e5f60002');
        expect(created).toContain(
          `"${stack.getLogicalId(a.securityGroups[group]!.node.defaultChild as never)}","GroupId"`,
        );
        expect(created).toContain(':network-interface/*');
        const deny = ofRole.filter((s) => s.Effect === 'Deny');
        expect(deny).toEqual([
          {
            Sid: 'FunctionCodeNoNetworkInterfaces',
            Effect: 'Deny',
            Action: [
              'ec2:CreateNetworkInterface',
              'ec2:DeleteNetworkInterface',
              'ec2:AssignPrivateIpAddresses',
              'ec2:UnassignPrivateIpAddresses',
            ],
            Resource: '*',
            Condition: {
              ArnEquals: {
                'lambda:SourceFunctionArn': {
                  'Fn::GetAtt': [stack.getLogicalId(fn.node.defaultChild as never), 'Arn'],
                },
              },
            },
          },
        ]);
      }
      // Functions outside the VPC have neither.
      for (const [policy, s] of statements) {
        if (/(Infra|Aggregate|Notify)(Role|Code)/.test(policy))
          expect([s.Action].flat().filter((x) => x.includes('NetworkInterface'))).toEqual([]);
      }
    });

    it('grants kms:Decrypt through Secrets Manager only on the configured secret keys, to the secret readers', () => {
      const keyArn = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
      const config = withChanges((doc) => {
        (doc.serverless as Record<string, unknown>).secretKmsKeyArns = [keyArn];
      });
      const t = synth(config).template;
      const decrypts = statementsByPolicy(t).filter(([, s]) => s.Sid === 'SecretKeysDecrypt');
      expect(decrypts.map(([policy]) => policy.replace(/DefaultPolicy\w+$/, ''))).toEqual([
        'AuditorFunctionsCoderRole',
      ]);
      expect(decrypts[0]![1]).toEqual({
        Sid: 'SecretKeysDecrypt',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: keyArn,
        Condition: { StringEquals: { 'kms:ViaService': ['secretsmanager.us-east-1.amazonaws.com'] } },
      });
      // Without the setting, no function may decrypt with any key but the topic's.
      expect(statementsByPolicy().filter(([, s]) => s.Sid === 'SecretKeysDecrypt')).toEqual([]);
    });

    it('scopes each function to what its group declares it reads (lambdas/checks/<group>/reads.ts)', () => {
      const actionsOf = (role: string) =>
        [
          ...new Set(
            statementsByPolicy()
              .filter(([id]) => id.includes(`${role}Role`))
              .flatMap(([, s]) => [s.Action].flat())
              .filter(
                (x) => !/^(logs|xray|ec2:\w*NetworkInterface|ec2:\w*PrivateIp|ec2:DescribeSubnets)/.test(x),
              ),
          ),
        ].sort();
      // What every group function also does: send a large result by reference (its deployment's document
      // comes in its payload: no SSM).
      const own = ['dynamodb:PutItem'];
      const declared = (g: keyof typeof GROUP_READS, skip: string[] = []) =>
        [
          ...new Set([
            ...GROUP_READS[g].filter((r) => !skip.includes(r.sid)).flatMap((r) => r.actions),
            ...own,
          ]),
        ].sort();
      expect(actionsOf('Infra')).toEqual(declared('infra'));
      expect(actionsOf('Cluster')).toEqual(declared('cluster'));
      // The example database authenticates with IAM: no secret to read.
      expect(actionsOf('Database')).toEqual(declared('database', ['DatabaseSecret']));
      expect(actionsOf('Coder')).toEqual(declared('coder'));
      const db = statementsByPolicy().find(
        ([id, s]) => id.includes('DatabaseRole') && s.Action === 'rds-db:connect',
      )!;
      expect(refs(db[1].Resource)).toContain('dbuser:cluster-ABCDEFGHIJKLMNOPQRSTUVWX12/coder_auditor');
      const coder = statementsByPolicy().find(
        ([id, s]) => id.includes('CoderRole') && s.Action === 'secretsmanager:GetSecretValue',
      )!;
      expect(refs(coder[1].Resource)).toContain('secret:coder-auditor/prod/coder-token-??????');
      const results = statementsByPolicy().filter(
        ([id, s]) => id.includes('InfraRole') && s.Action === 'dynamodb:PutItem',
      );
      expect(results.map(([, s]) => s.Condition)).toEqual([
        { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['RES#*'] } },
      ]);
      for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
        expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      }
    });
  });

  describe('Validation', () => {
    it('passes cdk-nag AwsSolutions with every finding acknowledged', () => {
      const { app } = synth(loadConfig(EXAMPLE), true);
      expect(() => app.synth()).not.toThrow();
    });

    it('logs every state event with serverless.workflowLogLevel ALL, and passes cdk-nag then too', () => {
      const config = withChanges((doc) => {
        doc.serverless = { ...(doc.serverless as object), workflowLogLevel: 'ALL' };
      });
      const { app, template } = synth(config, true);
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        LoggingConfiguration: Match.objectLike({ Level: 'ALL' }),
      });
      expect(() => app.synth()).not.toThrow();
      // At the default (ERROR) the same cdk-nag run passes through the SF1 acknowledgement (test above).
    });

    it('refuses a NAT cadence that a schedule slower than hourly may never meet', () => {
      const config = withChanges((doc) => {
        doc.schedule = 'rate(2 hours)';
      });
      expect(() => new CoderAuditorStack(new App(), 'Slow', { config })).toThrow(
        'deployments[0].thresholds.natReadEveryHours: 6 reads the NAT gateway metrics in UTC hours divisible by 6, which a schedule every 120 minutes may never audit in; set it to 1 (a read every run)',
      );
      const everyRun = withChanges((doc) => {
        doc.schedule = 'rate(2 hours)';
        const d = (doc.deployments as Array<Record<string, unknown>>)[0]!;
        d.thresholds = { ...(d.thresholds as object), natReadEveryHours: 1 };
      });
      expect(() => synth(everyRun)).not.toThrow();
      // An hourly schedule meets every cadence, also with a longer alarm period.
      const hourly = withChanges((doc) => {
        doc.schedule = 'rate(60 minutes)';
        (doc.serverless as Record<string, unknown>).alarmPeriodMinutes = 180;
      });
      expect(() => synth(hourly)).not.toThrow();
    });

    it('reports every invalid combination in one error', () => {
      const config = withChanges((doc) => {
        const d = (doc.deployments as Array<Record<string, Record<string, unknown>>>)[0]!;
        d.aws!.credentials = { accessKeyId: 'AKIA', secretAccessKey: 'x' };
        doc.serverless = { subnetIds: ['subnet-0a1b2c3d4e5f60001'], expressWorkflow: true };
      });
      const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
      let message = '';
      try {
        new CoderAuditorStack(app, 'Bad', { config });
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toContain('deployments[0].aws.credentials');
      expect(message).toContain('serverless.vpcId: required with serverless.subnetIds');
      expect(message).toContain('serverless.expressWorkflow');
      expect(message).not.toContain('AKIA');
    });

    it('derives the "no successful audit" period from a rate, or takes it from serverless.alarmPeriodMinutes', () => {
      expect(alarmPeriod('rate(1 hour)').period?.toMinutes()).toBe(60);
      expect(alarmPeriod('rate(1 minute)').period?.toMinutes()).toBe(5);
      expect(alarmPeriod('rate(2 days)').period?.toMinutes()).toBe(2880);
      expect(alarmPeriod('cron(0 3 * * ? *)', 1440).period?.toMinutes()).toBe(1440);
      expect(alarmPeriod('rate(1 hour)', 90).period?.toMinutes()).toBe(90);
      expect(alarmPeriod('cron(0 3 * * ? *)').problem).toContain('serverless.alarmPeriodMinutes: required');
      expect(alarmPeriod('at(2030-01-01T00:00:00)').problem).toContain(
        'serverless.alarmPeriodMinutes: required',
      );
      expect(alarmPeriod('rate(4 days)').problem).toMatch(
        /^schedule "rate\(4 days\)": .*beyond what one CloudWatch alarm can evaluate/,
      );
      expect(alarmPeriod('cron(0 3 * * ? *)', 10_080).problem).toMatch(
        /^serverless.alarmPeriodMinutes: .*at most 5040/,
      );
      const period = (config: AuditConfig) =>
        synth(config).template.findResources('AWS::CloudWatch::Alarm', {
          Properties: { MetricName: 'ExecutionsSucceeded' },
        });
      // A schedule slower than hourly reads the NAT metrics on every run (see below).
      const everyRun = (doc: Record<string, unknown>) => {
        const d = (doc.deployments as Array<Record<string, unknown>>)[0]!;
        d.thresholds = { ...(d.thresholds as object), natReadEveryHours: 1 };
      };
      const daily = withChanges((doc) => {
        doc.schedule = 'cron(0 3 * * ? *)';
        (doc.serverless as Record<string, unknown>).alarmPeriodMinutes = 1440;
        everyRun(doc);
      });
      expect(Object.values(period(daily))[0]!.Properties.Period).toBe(86_400);
      const everyTwoDays = withChanges((doc) => {
        doc.schedule = 'rate(2 days)';
        everyRun(doc);
      });
      expect(Object.values(period(everyTwoDays))[0]!.Properties.Period).toBe(172_800);
    });

    it('reports a schedule the alarm cannot follow in the one validation error', () => {
      const message = (change: (doc: Record<string, unknown>) => void) => {
        try {
          new CoderAuditorStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Bad', {
            config: withChanges(change),
          });
        } catch (err) {
          return (err as Error).message;
        }
        return '';
      };
      expect(message((doc) => (doc.schedule = 'cron(0 3 * * ? *)'))).toContain(
        'serverless.alarmPeriodMinutes: required with the schedule "cron(0 3 * * ? *)"',
      );
      expect(message((doc) => (doc.schedule = 'rate(7 days)'))).toContain(
        'schedule "rate(7 days)": the "no successful audit" alarm evaluates two periods of 10080 minutes',
      );
    });

    it('fails synth on an invalid configuration file with the field-naming message', () => {
      const dir = mkdtempSync(join(tmpdir(), 'coder-audit-cdk-'));
      const file = join(dir, 'bad.yaml');
      writeFileSync(file, 'deployments:\n  - id: prod\n    aws: { region: us-east-1 }\n');
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
        env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ config: file }), CDK_OUTDIR: dir },
        encoding: 'utf8',
      });
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(`invalid configuration file ${file}`);
      expect(r.stderr).toContain('deployments[0].eks: is required');
    });
  });
});
