import type { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { parseConfig, type AuditConfig, type DeploymentConfig } from '../audit/config.js';
import { ConfigError, describeError } from '../audit/errors.js';

/** Where a function finds a deployment's configuration at run time. */
export type DeploymentSource = (id: string) => Promise<DeploymentConfig>;

/** Seconds a function keeps a deployment's configuration before reading it again. */
export const CONFIG_MAX_AGE_SECONDS = 300;

/** SSM parameter of one deployment's configuration (JSON, one per deployment: 4 KB standard tier each). */
export const deploymentParameterName = (prefix: string, id: string): string => `${prefix}/deployments/${id}`;
/** SSM parameter of the fleet: the JSON array of the deployment ids the schedule audits. */
export const fleetParameterName = (prefix: string): string => `${prefix}/fleet`;

/**
 * What the functions need of a deployment, as stored in its parameter: no alert addresses (the stack
 * subscribes them), and no local CA file, which does not exist in Lambda (the database function trusts the
 * runtime's bundle through NODE_EXTRA_CA_CERTS, which includes the Amazon RDS certificate authorities).
 */
export function functionDeployment(d: DeploymentConfig): Omit<DeploymentConfig, 'alertEmails'> {
  const { alertEmails: _a, ...rest } = d;
  return rest.database
    ? { ...rest, database: { ...rest.database, tls: { ...rest.database.tls, caFile: undefined } } }
    : rest;
}

/**
 * Validate a deployment document with the configuration schema (its cross-field rules included); errors
 * name the fields as the CLI does.
 */
export function parseDeployment(doc: unknown, source: string): DeploymentConfig {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc) || 'deployments' in doc)
    throw new ConfigError(`invalid ${source}: not one deployment object`);
  return parseConfig(doc, source).deployments[0]!;
}

/**
 * Deployments read from SSM Parameter Store through Powertools Parameters (cached {@link
 * CONFIG_MAX_AGE_SECONDS}), each validated by the same zod schema as at synth: changing the fleet changes
 * parameters, never the functions.
 */
export function parameterDeployments(opts: {
  prefix: string;
  provider: Pick<SSMProvider, 'get'>;
  maxAgeSeconds?: number;
}): DeploymentSource {
  return async (id) => {
    if (typeof id !== 'string' || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(id))
      throw new ConfigError(`invalid deployment id ${JSON.stringify(id)}`);
    const name = deploymentParameterName(opts.prefix, id);
    let doc: unknown;
    try {
      doc = await opts.provider.get(name, {
        transform: 'json',
        maxAge: opts.maxAgeSeconds ?? CONFIG_MAX_AGE_SECONDS,
      });
    } catch (err) {
      throw new ConfigError(
        `cannot read the configuration of deployment ${id} (${name}): ${describeError(err)}`,
      );
    }
    if (doc === undefined) throw new ConfigError(`unknown deployment "${id}": no parameter ${name}`);
    const deployment = parseDeployment(doc, `parameter ${name}`);
    if (deployment.id !== id) throw new ConfigError(`parameter ${name} holds deployment "${deployment.id}"`);
    return deployment;
  };
}

/** Deployments of an in-memory configuration (local runs, tests). */
export function configDeployments(config: () => AuditConfig): DeploymentSource {
  return async (id) => findDeployment(config(), id);
}

/** The configured deployment with this id, or a ConfigError naming the configured ids. */
export function findDeployment(config: AuditConfig, id: unknown): DeploymentConfig {
  const found = config.deployments.find((d) => d.id === id);
  if (!found) {
    const ids = config.deployments.map((d) => d.id).join(', ');
    throw new ConfigError(`unknown deployment ${JSON.stringify(id)}; configured: ${ids}`);
  }
  return found;
}
