import { parseConfig, type AuditConfig, type DeploymentConfig } from '../audit/config.js';
import { ConfigError, describeError } from '../audit/errors.js';

/**
 * Read and validate the configuration embedded at synth (`AUDIT_CONFIG`, JSON). It was validated then;
 * validating again at cold start catches a hand-edited variable with the same field-naming message.
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): AuditConfig {
  const raw = env.AUDIT_CONFIG;
  if (!raw) throw new ConfigError('AUDIT_CONFIG is not set');
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch (err) {
    throw new ConfigError(`AUDIT_CONFIG is not valid JSON: ${describeError(err)}`);
  }
  return parseConfig(doc, 'AUDIT_CONFIG');
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
