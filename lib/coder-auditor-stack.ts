import { CfnOutput, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { AuditConfig } from '../lambdas/audit/config.js';
import { CODER_DEPLOY_SOURCE, CoderAuditor, type CoderAuditorProps } from './coder-auditor.js';

export interface CoderAuditorStackProps extends StackProps {
  /** The validated configuration file (`cdk synth -c config=FILE`). */
  readonly config: AuditConfig;
  /** Construct settings beyond the configuration file. @default none */
  readonly auditor?: Omit<CoderAuditorProps, 'config'>;
}

/** The deployable stack: one `CoderAuditor` plus the outputs an operator needs. */
export class CoderAuditorStack extends Stack {
  public readonly auditor: CoderAuditor;

  public constructor(scope: Construct, id: string, props: CoderAuditorStackProps) {
    super(scope, id, props);
    this.auditor = new CoderAuditor(this, 'Auditor', { ...props.auditor, config: props.config });
    const a = this.auditor;
    new CfnOutput(this, 'StateMachineArn', { value: a.stateMachine.stateMachineArn });
    new CfnOutput(this, 'AlertTopicArn', { value: a.topic.topicArn });
    new CfnOutput(this, 'FindingsTableName', { value: a.table.tableName });
    new CfnOutput(this, 'ClusterFunctionRoleArn', {
      value: a.functions.cluster.role!.roleArn,
      description: 'Principal of the EKS access entry (view on the Coder namespaces)',
    });
    new CfnOutput(this, 'GroupFunctionRoleArns', {
      value: Fn.join(
        ',',
        (['infra', 'cluster', 'database', 'coder'] as const).map((g) => a.functions[g].role!.roleArn),
      ),
      description: 'The roles CoderAuditorTarget lets assume its read-only role (auditorRoleArns)',
    });
    new CfnOutput(this, 'ConfigurationPrefix', {
      value: a.configuration.prefix,
      description:
        'SSM parameters of the deployments (<prefix>/deployments/<id>) and of the fleet (<prefix>/fleet)',
    });
    for (const [group, sg] of Object.entries(a.securityGroups)) {
      new CfnOutput(this, `${group[0]!.toUpperCase()}${group.slice(1)}SecurityGroupId`, {
        value: sg.securityGroupId,
        description: `Allow this security group in front of what the ${group} group reads`,
      });
    }
    new CfnOutput(this, 'DeployEventExample', {
      value: `aws events put-events --entries '[{"Source":"${CODER_DEPLOY_SOURCE}","DetailType":"Coder deployed","Detail":"{\\"deployment\\":\\"${props.config.deployments[0]!.id}\\"}"}]'`,
      description: 'What CI pipelines and Helm hooks run after a Coder deploy',
    });
  }
}
