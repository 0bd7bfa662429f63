import type { DeploymentConfig } from './config.js';

/** How a read's resources are named: ARNs in the deployment's region and account, built by the caller. */
export interface ArnContext {
  /** `arn:<partition>:<service>:<region>:<account>:<resource>` of the audited account and region. */
  arn(service: string, resource: string): string;
  /** Aurora cluster resource id (`cluster-ABC...`) when known, to scope `rds-db:connect`. */
  dbResourceId?: string;
}

/**
 * An AWS read a check group makes: the IAM actions and the resources they touch. The group's functions get
 * exactly these (IAM policies in `lib/`), the README's read-only policy is generated from them, and tests
 * compare both with what the collectors really call. `'*'` only for actions without resource-level
 * permissions (their "Resource types" column in the Service Authorization Reference is empty).
 */
export interface AwsRead {
  /** Statement id (unique within the group). */
  sid: string;
  actions: readonly string[];
  /** Resources for one deployment; an empty list means the read does not apply to it. */
  resources(d: DeploymentConfig, ctx: ArnContext): string[];
  /** Why `'*'`, when it is. */
  why?: string;
}

/** The ARN pattern of a Secrets Manager secret given by name or ARN (names get the 6-character suffix). */
export function secretResource(secretId: string, ctx: ArnContext): string {
  return secretId.startsWith('arn:') ? secretId : ctx.arn('secretsmanager', `secret:${secretId}-??????`);
}
