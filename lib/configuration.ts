import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { AuditConfig, DeploymentConfig } from '../lambdas/audit/config.js';
import {
  deploymentDocument,
  deploymentParameterName,
  fleetParameterName,
} from '../lambdas/handlers/runtime.js';

/** SSM standard parameters hold 4 KB; advanced ones 8 KB. */
export const STANDARD_PARAMETER_BYTES = 4096;
export const ADVANCED_PARAMETER_BYTES = 8192;

export interface AuditorConfigurationProps {
  /** The validated deployments. */
  readonly deployments: readonly DeploymentConfig[];
  /** The configuration's mutes and overrides: each deployment's parameter holds those that apply to it. */
  readonly policy?: Partial<Pick<AuditConfig, 'mutes' | 'overrides'>>;
  /**
   * Path prefix of the parameters.
   * @default `/coder-auditor/<stack name>`
   */
  readonly prefix?: string;
}

/** The JSON each deployment's parameter holds (with its mutes and overrides), and its size. */
export function deploymentParameterValue(
  d: DeploymentConfig,
  policy: Partial<Pick<AuditConfig, 'mutes' | 'overrides'>> = {},
): string {
  return JSON.stringify(deploymentDocument(d, policy));
}

/**
 * The configuration read at run time, outside the functions' code and environment: one SSM parameter per
 * deployment and one with the fleet's ids. The workflow reads them (the fleet once per execution, the
 * deployments with one GetParameters per child of ten) and passes each deployment's document to its
 * functions. Changing the fleet changes parameters, never the functions.
 */
export class AuditorConfiguration extends Construct {
  public readonly prefix: string;
  public readonly fleetParameter: ssm.StringParameter;
  public readonly deploymentParameters: ssm.StringParameter[];

  public constructor(scope: Construct, id: string, props: AuditorConfigurationProps) {
    super(scope, id);
    this.prefix = props.prefix ?? `/coder-auditor/${Stack.of(this).stackName}`;
    const tier = (value: string) =>
      Buffer.byteLength(value) > STANDARD_PARAMETER_BYTES
        ? ssm.ParameterTier.ADVANCED
        : ssm.ParameterTier.STANDARD;
    this.deploymentParameters = props.deployments.map((d) => {
      const value = deploymentParameterValue(d, props.policy);
      return new ssm.StringParameter(this, `Deployment-${d.id}`, {
        parameterName: deploymentParameterName(this.prefix, d.id),
        description: `coder-auditor: configuration of deployment ${d.id}`,
        stringValue: value,
        tier: tier(value),
      });
    });
    const fleet = JSON.stringify(props.deployments.map((d) => d.id));
    this.fleetParameter = new ssm.StringParameter(this, 'Fleet', {
      parameterName: fleetParameterName(this.prefix),
      description: 'coder-auditor: ids of the deployments the schedule audits',
      stringValue: fleet,
      tier: tier(fleet),
    });
  }

  /** Prefix of the deployments' parameter names (the ASL's `DeploymentParameterPrefix`). */
  public get deploymentParameterPrefix(): string {
    return deploymentParameterName(this.prefix, '');
  }

  /**
   * Let the workflow read the deployments' parameters (all of them: the fleet may change), in batches of
   * ten with GetParameters: the functions get their deployment's document in their payload.
   */
  public grantReadDeployments(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadDeploymentConfiguration',
        actions: ['ssm:GetParameters'],
        resources: [
          Stack.of(this).formatArn({
            service: 'ssm',
            resource: 'parameter',
            resourceName: `${this.prefix.replace(/^\//, '')}/deployments/*`,
          }),
        ],
      }),
    );
  }
}
