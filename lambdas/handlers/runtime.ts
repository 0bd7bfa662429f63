import { parseConfig, type AuditConfig, type DeploymentConfig } from '../audit/config.js';
import { ConfigError } from '../audit/errors.js';
import { policyFor, type Policy } from '../audit/mutes.js';
import type { PolicySource } from './policy.js';

export { deploymentParameterName, type PolicySource } from './policy.js';
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
 * What a deployment's parameter holds: {@link functionDeployment} plus, beside it at the top level (as in a
 * one-deployment configuration file), the mutes and overrides that apply to it, without their
 * `deployments` lists (they are already filtered, and name deployments this document does not hold).
 */
export function deploymentDocument(
  d: DeploymentConfig,
  config: Partial<Pick<AuditConfig, 'mutes' | 'overrides'>> = {},
): Record<string, unknown> {
  const policy = policyFor(config, d.id);
  const strip = <T extends { deployments?: readonly string[] | undefined }>(rule: T) => {
    const { deployments: _d, ...rest } = rule;
    return rest;
  };
  return {
    ...functionDeployment(d),
    ...(policy.mutes.length ? { mutes: policy.mutes.map(strip) } : {}),
    ...(policy.overrides.length ? { overrides: policy.overrides.map(strip) } : {}),
  };
}

/**
 * Validate a deployment document with the configuration schema (its cross-field rules included); errors
 * name the fields as the CLI does.
 */
export function parseDeployment(doc: unknown, source: string): DeploymentConfig {
  return parseDeploymentDocument(doc, source).deployment;
}

/** Validate a deployment document and return the deployment with its mutes and overrides. */
export function parseDeploymentDocument(
  doc: unknown,
  source: string,
): { deployment: DeploymentConfig; policy: Policy } {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc) || 'deployments' in doc)
    throw new ConfigError(`invalid ${source}: not one deployment object`);
  const config = parseConfig(doc, source);
  const deployment = config.deployments[0]!;
  return { deployment, policy: policyFor(config, deployment.id) };
}

/**
 * The deployment of a document the workflow passed (its SSM parameter, read by the child execution with one
 * GetParameters per batch), validated by the same zod schema as at synth; a document that is not the named
 * deployment's is a ConfigError.
 */
export function eventDeployment(id: unknown, doc: unknown): { deployment: DeploymentConfig; policy: Policy } {
  if (typeof id !== 'string' || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(id))
    throw new ConfigError(`invalid deployment id ${JSON.stringify(id)}`);
  if (doc === undefined) throw new ConfigError(`no configuration document for deployment "${id}"`);
  const parsed = parseDeploymentDocument(doc, `configuration of deployment ${id}`);
  if (parsed.deployment.id !== id)
    throw new ConfigError(`the configuration document of "${id}" holds deployment "${parsed.deployment.id}"`);
  return parsed;
}

/** Mutes and overrides of an in-memory configuration (local runs, tests). */
export function configPolicies(config: () => AuditConfig): PolicySource {
  return async (id) => policyFor(config(), findDeployment(config(), id).id);
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
