import type { DeploymentConfig } from '../../audit/config.js';
import { Component, shq, type Remediation } from '../../audit/model.js';
import type { DbFailure } from '../../clients/pg.js';

/** `<aurora cluster id>/<database>`: the resource of the database findings. */
export function databaseResource(deployment: DeploymentConfig): string {
  return `${deployment.aurora.clusterId}/${deployment.database?.database ?? 'coder'}`;
}

/** Image of the one-off psql pod used while coderd is down (any psql client of PostgreSQL 12 or later). */
export const PSQL_IMAGE = 'postgres:16-alpine';

/**
 * The runbook's way to run SQL: psql from the coderd pod (`via: 'coderd'`), filled with the real endpoint,
 * port and names; or, while coderd is down, from a one-off pod in coderd's namespace (`via: 'pod'`: same
 * nodes, same network path). Several statements go into one psql (one `-c` each) so that pasting the
 * remediation asks for the password once and no pasted line is swallowed by a password prompt.
 */
export function psqlCommand(
  deployment: DeploymentConfig,
  sql: string | readonly string[],
  via: 'coderd' | 'pod' = 'coderd',
): string {
  const db = deployment.database;
  const host = db?.host ?? '<aurora-endpoint>';
  const port = db?.port ?? 5432;
  const name = db?.database ?? 'coder';
  const { coderd, namespaces } = deployment;
  const statements = (typeof sql === 'string' ? [sql] : sql).map((q) => ` -c ${shq(q)}`).join('');
  const psql = `psql -h ${shq(host)}${port === 5432 ? '' : ` -p ${port}`} -U coder -d ${shq(name)}${statements}`;
  return via === 'coderd'
    ? `kubectl exec -it ${shq(`deploy/${coderd.deploymentName}`)} -n ${shq(namespaces.coderd)} -- ${psql}`
    : `kubectl run coder-audit-psql --rm -it --restart=Never -n ${shq(namespaces.coderd)} --image=${PSQL_IMAGE} -- ${psql}`;
}

/**
 * A remediation whose commands run psql: through the coderd pod, and, when the report finds coderd down,
 * through a one-off pod instead (never a command through a component the same report says is down).
 */
export function psqlRemediation(
  deployment: DeploymentConfig,
  text: string,
  commands: (psql: (sql: string | readonly string[]) => string) => string[],
): Remediation {
  return {
    text,
    commands: commands((sql) => psqlCommand(deployment, sql)),
    needs: [Component.Coderd],
    otherwise: {
      text: `${text} coderd is down, so psql runs from a one-off pod in its namespace.`,
      commands: commands((sql) => psqlCommand(deployment, sql, 'pod')),
    },
  };
}

/** A PostgreSQL identifier, quoted only when it needs it. */
export function sqlIdent(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** `45s`, `7m 12s`, `3h 05m`. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** `N minutes` for a threshold that may be fractional (scenarios use 0.02). */
export function formatMinutes(minutes: number): string {
  return minutes >= 1 && Number.isInteger(minutes) ? `${minutes} min` : formatDuration(minutes * 60);
}

/** Why a connection failed, per failure kind, for the finding's detail. */
export const FAILURE_REASONS: Record<DbFailure, string> = {
  refused: 'the connection was refused or reset (nothing listening, or a security group/NACL rejects it)',
  timeout:
    'the database did not answer in time (packets dropped by a security group, or an overloaded server)',
  auth: 'authentication failed (wrong password or IAM token, or no pg_hba entry for the role)',
  tls: 'the TLS handshake or the server certificate verification failed',
  saturated: 'every connection slot is taken (too many clients)',
  'not-found': 'the database does not exist',
  dns: 'the database host name does not resolve',
  other: 'the connection failed',
};

/** The runbook's "Database Connection Errors" diagnosis, filled with the deployment's ids. */
export function connectionRemediation(d: DeploymentConfig, failure: DbFailure): Remediation {
  const extra =
    failure === 'auth'
      ? ' Check the credentials: the secret coderd and the auditor use, and the role (rds_iam for IAM auth).'
      : '';
  return {
    text: `Verify the Aurora cluster is available and that the database security group allows port ${d.database?.port ?? 5432} from the EKS nodes; look for database errors in the coderd logs.${extra}`,
    commands: [
      `aws rds describe-db-clusters --db-cluster-identifier ${shq(d.aurora.clusterId)} --region ${shq(d.aws.region)}`,
      `aws ec2 describe-security-groups --group-ids ${shq(d.network.dbSecurityGroupId)} --region ${shq(d.aws.region)}`,
      `kubectl logs -n ${shq(d.namespaces.coderd)} -l app.kubernetes.io/name=coder --tail=-1 --prefix | grep -i database`,
    ],
  };
}
