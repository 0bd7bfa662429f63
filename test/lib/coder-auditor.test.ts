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

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };
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
      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: 'coder-auditor: infra',
        Environment: {
          Variables: Match.objectLike({ AUDIT_CONFIG: Match.stringLikeRegexp('"clusterName":"coder-prod"') }),
        },
      });
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

    it('deploys the ASL as a traced, logged Standard workflow with every substitution', () => {
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineType: 'STANDARD',
        TracingConfiguration: { Enabled: true },
        LoggingConfiguration: Match.objectLike({ Level: 'ALL' }),
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

    it('grants the cluster role view access to the Coder namespaces only', () => {
      template.hasResourceProperties('AWS::EKS::AccessEntry', {
        ClusterName: 'coder-prod',
        Type: 'STANDARD',
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
        Target: Match.objectLike({ Input: JSON.stringify({ deployments: ['prod'], trigger: 'schedule' }) }),
      });
    });

    it('starts a debounced audit on deploy-shaped CloudTrail events and coder.deploy events', () => {
      const rules = Object.values(template.findResources('AWS::Events::Rule'));
      const patterns = rules.map(
        (r) => r.Properties.EventPattern as { source: string[]; detail: Record<string, unknown> },
      );
      expect(patterns.map((p) => p.source[0]).sort()).toEqual([
        'aws.ec2',
        'aws.eks',
        'aws.elasticloadbalancing',
        'aws.rds',
        'coder.deploy',
      ]);
      const eventNames = patterns.flatMap((p) => (p.detail.eventName as string[] | undefined) ?? []);
      expect(eventNames.sort()).toEqual(
        [
          'UpdateNodegroupConfig',
          'UpdateNodegroupVersion',
          'ModifyDBCluster',
          'RebootDBInstance',
          'FailoverDBCluster',
          'ModifyTargetGroup',
          'RegisterTargets',
          'DeregisterTargets',
          'AuthorizeSecurityGroupIngress',
          'RevokeSecurityGroupIngress',
        ].sort(),
      );
      expect(patterns.find((p) => p.source[0] === 'aws.ec2')!.detail.requestParameters).toEqual({
        groupId: ['sg-0db0000000000001a', 'sg-0e0de0000000000b2'],
      });
      for (const rule of rules) {
        const input = JSON.stringify(
          rule.Properties.Targets[0].Input ?? rule.Properties.Targets[0].InputTransformer,
        );
        expect(input).toContain('debounce');
      }
    });

    it('alarms to the topic on failed executions and when no audit succeeded for two periods', () => {
      const topic = { Ref: stack.getLogicalId(stack.auditor.topic.node.defaultChild as never) };
      template.resourceCountIs('AWS::CloudWatch::Alarm', 2);
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
    });
  });

  describe('IAM', () => {
    const statementsByPolicy = (): Array<[string, Statement]> =>
      Object.entries(template.findResources('AWS::IAM::Policy')).flatMap(([id, p]) =>
        (p.Properties.PolicyDocument.Statement as Statement[]).map((s): [string, Statement] => [id, s]),
      );
    const READ = /^[\w-]+:(Describe|Get|List|Query|BatchGet)\w*$/;

    it("allows no write action outside the auditor's own table, topic, key, logs, traces and ENIs", () => {
      const a = stack.auditor;
      const own = {
        table: stack.getLogicalId(a.table.node.defaultChild as never),
        topic: stack.getLogicalId(a.topic.node.defaultChild as never),
        key: stack.getLogicalId(a.key.node.defaultChild as never),
        fns: Object.values(a.functions).map((f) => stack.getLogicalId(f.node.defaultChild as never)),
        sm: stack.getLogicalId(a.stateMachine.node.defaultChild as never),
      };
      const problems: string[] = [];
      for (const [policy, s] of statementsByPolicy()) {
        expect(s.Effect).toBe('Allow');
        const res = refs(s.Resource);
        for (const action of [s.Action].flat()) {
          if (READ.test(action) || action === 'sts:AssumeRole') continue;
          const ok =
            (action === 'rds-db:connect' && res.includes(':dbuser:') && res.includes('/coder_auditor"')) ||
            (/^dynamodb:(PutItem|UpdateItem)$/.test(action) &&
              res === `{"Fn::GetAtt":["${own.table}","Arn"]}`) ||
            (action === 'sns:Publish' && res === `{"Ref":"${own.topic}"}`) ||
            (/^kms:(Decrypt|Encrypt|ReEncrypt\*|GenerateDataKey\*)$/.test(action) && res.includes(own.key)) ||
            (/^logs:(CreateLogStream|PutLogEvents)$/.test(action) && /Logs\w+","Arn"/.test(res)) ||
            (/^logs:\w*(LogDelivery|ResourcePolic|LogGroups)\w*$/.test(action) &&
              policy.includes('Workflow')) ||
            (/^xray:(PutTraceSegments|PutTelemetryRecords)$/.test(action) && res === '"*"') ||
            (/^ec2:(Create|Delete)NetworkInterface$|^ec2:(Assign|Unassign)PrivateIpAddresses$/.test(action) &&
              /(Cluster|Database|Coder)Role/.test(policy)) ||
            (action === 'lambda:InvokeFunction' && own.fns.some((f) => res.includes(f))) ||
            (action === 'states:StartExecution' && res.includes(own.sm));
          if (!ok) problems.push(`${policy}: ${action} on ${res}`);
        }
      }
      expect(problems).toEqual([]);
    });

    it('scopes each function to what its group reads', () => {
      const actionsOf = (role: string) =>
        statementsByPolicy()
          .filter(([id]) => id.includes(`${role}Role`))
          .flatMap(([, s]) => [s.Action].flat())
          .filter((x) => !/^(logs|xray|ec2:\w*NetworkInterface|ec2:\w*PrivateIp|ec2:DescribeSubnets)/.test(x))
          .sort();
      expect(actionsOf('Infra')).toEqual(
        [
          'ec2:DescribeInstanceTypes',
          'ec2:DescribeSecurityGroups',
          'ec2:DescribeVpcEndpoints',
          'eks:DescribeCluster',
          'eks:DescribeNodegroup',
          'elasticloadbalancing:DescribeTargetGroups',
          'elasticloadbalancing:DescribeTargetHealth',
          'rds:DescribeDBClusters',
          'rds:DescribeDBInstances',
          'rds:DescribeEvents',
          'servicequotas:GetServiceQuota',
        ].sort(),
      );
      expect(actionsOf('Cluster')).toEqual(['eks:DescribeCluster', 'eks:DescribeNodegroup']);
      expect(actionsOf('Database')).toEqual(['rds-db:connect']);
      expect(actionsOf('Coder')).toEqual(['secretsmanager:GetSecretValue']);
      const db = statementsByPolicy().find(
        ([id, s]) => id.includes('DatabaseRole') && s.Action === 'rds-db:connect',
      )!;
      expect(refs(db[1].Resource)).toContain('dbuser:cluster-ABCDEFGHIJKLMNOPQRSTUVWX12/coder_auditor');
      const coder = statementsByPolicy().find(
        ([id, s]) => id.includes('CoderRole') && s.Action === 'secretsmanager:GetSecretValue',
      )!;
      expect(refs(coder[1].Resource)).toContain('secret:coder-auditor/prod/coder-token-??????');
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
