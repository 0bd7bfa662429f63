import { Aws, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { DeploymentConfig } from '../lambdas/audit/config.js';
import { GROUP_IDS } from '../lambdas/audit/model.js';
import { GROUP_READS } from '../lambdas/checks/reads.js';
import { addAccessEntries } from './access-entries.js';
import { acknowledgeReads, acknowledger } from './nag.js';
import { deployEventPattern } from './triggers.js';

export interface CoderAuditorTargetProps {
  /** The deployments of this account the auditor audits (the same entries as in its configuration). */
  readonly deployments: readonly DeploymentConfig[];
  /** ARNs of the auditor's group function roles (stack outputs), the only principals that may assume the role. */
  readonly auditorRoleArns: readonly string[];
  /** External id the auditor passes (`aws.externalId` of each deployment). */
  readonly externalId: string;
  /**
   * Name of the role, to write `aws.roleArn` in advance.
   * @default `coder-auditor-read-only`
   */
  readonly roleName?: string;
  /**
   * The auditor's account and region: deploy events of these deployments are forwarded to its default
   * event bus (the auditor stack allows this account to put events there).
   * @default no forwarding (the schedule still audits)
   */
  readonly auditorBus?: { account: string; region: string };
  /**
   * Create the EKS access entries of the role (one per cluster, view on the Coder namespaces).
   * @default true
   */
  readonly createAccessEntries?: boolean;
}

/**
 * What an audited account needs (deploy it there with CDK, or as a StackSet): the read-only role the
 * auditor assumes (trust limited to the auditor's roles, with an external id; exactly the reads the check
 * groups declare), its EKS access entries, and the rules that forward deploy events to the auditor's bus.
 */
export class CoderAuditorTarget extends Construct {
  public readonly role: iam.Role;
  public readonly rules: events.Rule[] = [];

  public constructor(scope: Construct, id: string, props: CoderAuditorTargetProps) {
    super(scope, id);
    const problems: string[] = [];
    if (props.auditorRoleArns.length === 0)
      problems.push('auditorRoleArns: name the auditor roles allowed to assume the role');
    if (props.externalId.length < 2) problems.push('externalId: required (2 characters or more)');
    if (problems.length > 0)
      throw new Error(`invalid CoderAuditorTarget:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.role = new iam.Role(this, 'ReadOnlyRole', {
      roleName: props.roleName ?? 'coder-auditor-read-only',
      description: 'coder-auditor: read-only audit of the Coder deployments of this account',
      assumedBy: new iam.CompositePrincipal(
        ...props.auditorRoleArns.map((arn) => new iam.ArnPrincipal(arn)),
      ).withConditions({
        StringEquals: { 'sts:ExternalId': props.externalId },
      }),
    });
    for (const group of GROUP_IDS) {
      for (const read of GROUP_READS[group]) {
        const resources = [
          ...new Set(
            props.deployments.flatMap((d) =>
              read.resources(d, {
                arn: (service, resource) =>
                  `arn:${Aws.PARTITION}:${service}:${d.aws.region}:${Aws.ACCOUNT_ID}:${resource}`,
              }),
            ),
          ),
        ];
        if (resources.length === 0) continue;
        this.role.addToPolicy(
          new iam.PolicyStatement({
            sid: `${group[0]!.toUpperCase()}${group.slice(1)}${read.sid}`,
            actions: [...read.actions],
            resources,
          }),
        );
      }
    }
    if (props.createAccessEntries ?? true) addAccessEntries(this, this.role.roleArn, props.deployments);
    const ack = acknowledger();
    ack(
      this.role,
      'AwsSolutions-IAM5[Resource::*]',
      'EC2 Describe*, elasticloadbalancing:Describe* and rds:DescribeEvents support no resource-level permissions (read-only).',
    );
    acknowledgeReads(this.role, props.deployments, ack);
    if (props.auditorBus) {
      const bus = events.EventBus.fromEventBusArn(
        this,
        'AuditorBus',
        `arn:${Aws.PARTITION}:events:${props.auditorBus.region}:${props.auditorBus.account}:event-bus/default`,
      );
      const account = Stack.of(this).account;
      for (const d of props.deployments) {
        this.rules.push(
          new events.Rule(this, `Forward-${d.id}`, {
            description: `coder-auditor: forward deploy-shaped changes of ${d.id} to the auditor`,
            eventPattern: deployEventPattern(d, account) as events.EventPattern,
            targets: [new targets.EventBus(bus)],
          }),
        );
      }
    }
  }
}
