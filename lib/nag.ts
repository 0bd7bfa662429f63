import { Stack, Token, Validations } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { DeploymentConfig } from '../lambdas/audit/config.js';
import type { GroupId } from '../lambdas/audit/model.js';
import type { FunctionRole } from './paths.js';

/** Where the Lambda docs say function code requests carry `lambda:SourceFunctionArn` and ENI management does not. */
const SOURCE_FUNCTION_ARN_DOC =
  'https://docs.aws.amazon.com/lambda/latest/dg/permissions-source-function-arn.html';
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

/** cdk-nag acknowledgements of the auditor: each names the exact finding and why it is accepted. */
/** cdk-nag acknowledgements of the reads a role makes for some deployments (also used by CoderAuditorTarget). */
export function acknowledgeReads(
  role: Construct,
  deployments: readonly DeploymentConfig[],
  ack: (c: Construct, id: string, reason: string) => void,
  dbResourceIds: Record<string, string> = {},
): void {
  for (const d of deployments) {
    ack(
      role,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:rds:${d.aws.region}:<AWS::AccountId>:db:*]`,
      'DescribeDBInstances filters the Aurora cluster members by cluster id; instance ids are not known at synth.',
    );
    ack(
      role,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:servicequotas:${d.aws.region}:<AWS::AccountId>:ec2/*]`,
      'GetServiceQuota reads the EC2 vCPU quotas of the node groups; scoped to EC2 quotas of the account.',
    );
    for (const ng of d.eks.nodegroups)
      ack(
        role,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:eks:${d.aws.region}:<AWS::AccountId>:nodegroup/${d.eks.clusterName}/${ng}/*]`,
        'Node group ARNs end with a generated UUID; scoped to the configured cluster and node group name.',
      );
    if (d.database?.auth.type === 'iam' && !dbResourceIds[d.id])
      ack(
        role,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:rds-db:${d.aws.region}:<AWS::AccountId>:dbuser:*/${d.database.user}]`,
        'The Aurora DbClusterResourceId is not known offline (set serverless.dbResourceIds to scope it); the action is limited to the named read-only database user.',
      );
    for (const secretId of [
      d.database?.auth.type === 'secret' ? d.database.auth.secretId : undefined,
      d.coder?.tokenSecretId,
    ]) {
      if (!secretId || secretId.startsWith('arn:')) continue;
      ack(
        role,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:${d.aws.region}:<AWS::AccountId>:secret:${secretId}-??????]`,
        'Secret ARNs end with a random 6-character suffix; the pattern matches exactly the named secret.',
      );
    }
  }
}

/** One acknowledgement per construct and finding (deployments sharing a cluster or a region repeat them). */
export function acknowledger(): (c: Construct, id: string, reason: string) => void {
  const done = new Set<string>();
  return (c, id, reason) => {
    const key = `${c.node.path} ${id}`;
    if (done.has(key)) return;
    done.add(key);
    Validations.of(c).acknowledge({ id, reason });
  };
}

export function acknowledge(
  scope: Construct,
  o: {
    functions: Record<FunctionRole, LambdaFunction>;
    securityGroups: Partial<Record<GroupId, ec2.SecurityGroup>>;
    deployments: readonly DeploymentConfig[];
    dbResourceIds: Record<string, string>;
    stateMachine: sfn.StateMachine;
    /** The workflow's log level (`sfn.LogLevel`). */
    workflowLogLevel: string;
    deadLetterQueue: sqs.Queue;
    configurationPrefix: string;
  },
): void {
  const stack = Stack.of(scope);
  const ref = (c: Construct) => stack.getLogicalId(c.node.defaultChild as never);
  // One acknowledgement per construct and finding (deployments sharing a cluster or a region repeat them).
  const done = new Set<string>();
  const ack = (c: Construct, id: string, reason: string) => {
    const key = `${c.node.path} ${id}`;
    if (done.has(key)) return;
    done.add(key);
    Validations.of(c).acknowledge({ id, reason });
  };
  const here = {
    region: Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region,
    account: Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account,
  };
  // On the role: at fleet scale its policy overflows into managed policies (OverflowPolicyN) under it.
  const policyOf = (fn: LambdaFunction) => fn.role!;
  const xray =
    'Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions.';
  for (const [role, fn] of Object.entries(o.functions) as Array<[FunctionRole, LambdaFunction]>) {
    const policy = policyOf(fn);
    ack(policy, 'AwsSolutions-IAM5[Resource::*]', `${xray} ${RESOURCE_STAR_REASON[role] ?? ''}`.trim());
    if (o.securityGroups[role as GroupId]) {
      ack(
        policy,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:${here.region}:${here.account}:network-interface/*]`,
        `Lambda creates, deletes and assigns addresses to the function's ENIs with its execution role; their ids are not known before. CreateNetworkInterface is also limited to the configured subnets and the function's security group, and a Deny on lambda:SourceFunctionArn keeps the function code itself from every ENI write (${SOURCE_FUNCTION_ARN_DOC}).`,
      );
    }
  }
  for (const d of o.deployments.filter((x) => !x.aws.roleArn)) {
    ack(
      policyOf(o.functions.infra),
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:rds:${d.aws.region}:<AWS::AccountId>:db:*]`,
      'DescribeDBInstances filters the Aurora cluster members by cluster id; instance ids are not known at synth.',
    );
    ack(
      policyOf(o.functions.infra),
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:servicequotas:${d.aws.region}:<AWS::AccountId>:ec2/*]`,
      'GetServiceQuota reads the EC2 vCPU quotas of the node groups; scoped to EC2 quotas of the account.',
    );
    for (const fn of [o.functions.infra, o.functions.cluster]) {
      for (const ng of d.eks.nodegroups) {
        ack(
          policyOf(fn),
          `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:eks:${d.aws.region}:<AWS::AccountId>:nodegroup/${d.eks.clusterName}/${ng}/*]`,
          'Node group ARNs end with a generated UUID; scoped to the configured cluster and node group name.',
        );
      }
    }
    if (d.database?.auth.type === 'iam' && !o.dbResourceIds[d.id]) {
      ack(
        policyOf(o.functions.database),
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:rds-db:${d.aws.region}:<AWS::AccountId>:dbuser:*/${d.database.user}]`,
        'The Aurora DbClusterResourceId is not known offline (set serverless.dbResourceIds to scope it); the action is limited to the named read-only database user.',
      );
    }
    for (const [fn, secretId] of [
      [o.functions.database, d.database?.auth.type === 'secret' ? d.database.auth.secretId : undefined],
      [o.functions.coder, d.coder?.tokenSecretId],
    ] as const) {
      if (!secretId || secretId.startsWith('arn:')) continue;
      ack(
        policyOf(fn),
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:${d.aws.region}:<AWS::AccountId>:secret:${secretId}-??????]`,
        'Secret ARNs end with a random 6-character suffix; the pattern matches exactly the named secret.',
      );
    }
  }
  ack(
    policyOf(o.functions.notify),
    'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
    'Publishing to the KMS-encrypted topic needs GenerateDataKey* on the topic key (the grant is scoped to that key).',
  );
  ack(
    o.deadLetterQueue,
    'AwsSolutions-SQS3',
    'This queue is itself the dead-letter queue of the schedule and rule targets; an alarm reports any message in it.',
  );
  if (o.workflowLogLevel !== 'ALL')
    ack(
      o.stateMachine,
      'AwsSolutions-SF1',
      `Logged at ${o.workflowLogLevel} (serverless.workflowLogLevel): failed states and executions are logged; every state event of every deployment (ALL) would be the largest variable cost of a fleet audit. The Standard parent's history stays in Step Functions.`,
    );
  const smPolicy = o.stateMachine.role;
  for (const fn of Object.values(o.functions)) {
    ack(
      smPolicy,
      `AwsSolutions-IAM5[Resource::<${ref(fn)}.Arn>:*]`,
      "Invoking the qualified ARN (versions/aliases) of the auditor's own function.",
    );
  }
  ack(
    smPolicy,
    `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:${here.region}:${here.account}:parameter${o.configurationPrefix}/deployments/*]`,
    "The deployments' configuration parameters of this auditor only (the fleet may change without a redeploy), read by the child executions with GetParameters; read-only.",
  );
  ack(
    smPolicy,
    'AwsSolutions-IAM5[Resource::*]',
    'CloudWatch Logs delivery (logs:*LogDelivery*, DescribeResourcePolicies/LogGroups) and X-Ray actions support no resource-level permissions.',
  );
  const name = `${stack.stackName}-coder-auditor`.slice(0, 80);
  for (const kind of ['execution', 'express']) {
    ack(
      smPolicy,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${here.region}:${here.account}:${kind}:${name}/*]`,
      "The Distributed Map describes and stops its own child executions, whose ids it generates (this state machine's only).",
    );
  }
}
