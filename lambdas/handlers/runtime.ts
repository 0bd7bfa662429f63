import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';
import { parseConfig, type AuditConfig, type DeploymentConfig } from '../audit/config.js';
import { ConfigError, describeError } from '../audit/errors.js';

/** Service name of every log line, metric and trace of the auditor. */
export const SERVICE_NAME = 'coder-auditor';
/** CloudWatch namespace of the auditor's metrics (EMF, no PutMetricData permission needed). */
export const METRICS_NAMESPACE = 'CoderAuditor';

/**
 * What a handler reports through: the Powertools logger always; metrics and tracer only in Lambda (the
 * local workflow runs the same handlers in-process with a silent logger and neither of the others).
 */
export interface Telemetry {
  logger: Logger;
  metrics?: Metrics;
  tracer?: Tracer;
}

/** Telemetry of a Lambda function: logger, metrics and tracer named after the function's role. */
export function lambdaTelemetry(role: string): Telemetry {
  return {
    logger: new Logger({ serviceName: SERVICE_NAME, persistentKeys: { role } }),
    metrics: new Metrics({
      namespace: METRICS_NAMESPACE,
      serviceName: SERVICE_NAME,
      defaultDimensions: { role },
    }),
    tracer: new Tracer({ serviceName: SERVICE_NAME }),
  };
}

/** Telemetry for in-process runs (local workflow, tests): a logger at `LOG_LEVEL` (default silent). */
export function localTelemetry(): Telemetry {
  const level = process.env.LOG_LEVEL?.toUpperCase() ?? 'SILENT';
  return { logger: new Logger({ serviceName: SERVICE_NAME, logLevel: level as 'SILENT' }) };
}

/** Count a metric when metrics are on. */
export function count(t: Telemetry, name: string, value = 1): void {
  t.metrics?.addMetric(name, MetricUnit.Count, value);
}

/** Record a duration metric when metrics are on. */
export function millis(t: Telemetry, name: string, value: number): void {
  t.metrics?.addMetric(name, MetricUnit.Milliseconds, value);
}

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

/** A required environment variable, or a ConfigError. */
export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (!value) throw new ConfigError(`environment variable ${name} is not set`);
  return value;
}

/**
 * Wrap an in-process handler as a Lambda entry point: logger context, cold-start metric, metrics flushed
 * after every invocation (success or failure), failures logged as `Name: message` only (never the event,
 * which could be large) and rethrown so the workflow's Retry/Catch sees them.
 */
export function lambdaEntry<E, R>(
  t: Telemetry,
  run: (event: E) => Promise<R>,
): (event: E, context: Context) => Promise<R> {
  let cold = true;
  return async (event, context) => {
    t.logger.addContext(context);
    if (cold) {
      t.metrics?.captureColdStartMetric(context.functionName);
      cold = false;
    }
    try {
      return await run(event);
    } catch (err) {
      t.logger.error('invocation failed', { error: describeError(err) });
      throw err;
    } finally {
      t.metrics?.publishStoredMetrics();
    }
  };
}
