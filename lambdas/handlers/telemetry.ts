// Lambda plumbing without the configuration schema: the aggregate and notify functions import only this,
// so their bundles carry no zod/yaml.
import { Console } from 'node:console';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';
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

/**
 * Whether this process traces: in a Lambda function (`AWS_LAMBDA_FUNCTION_NAME`), unless
 * `POWERTOOLS_TRACE_ENABLED` is `false` (Powertools' own switch).
 */
export function tracingOn(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.AWS_LAMBDA_FUNCTION_NAME) && env.POWERTOOLS_TRACE_ENABLED?.toLowerCase() !== 'false';
}

/**
 * Telemetry of a Lambda function: logger, metrics and tracer named after the function's role. The tracer
 * is imported only when tracing is on: importing it loads the X-Ray SDK, whose cls-hooked context enables an
 * async hook with destroy tracking on every promise of the process (about a tenth of the CPU of an audit).
 * The handler modules call this at import, and the local workflow and the CLI import them too.
 */
export async function lambdaTelemetry(
  role: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Telemetry> {
  const telemetry: Telemetry = {
    logger: new Logger({ serviceName: SERVICE_NAME, persistentKeys: { role } }),
    metrics: new Metrics({
      namespace: METRICS_NAMESPACE,
      serviceName: SERVICE_NAME,
      defaultDimensions: { role },
    }),
  };
  if (tracingOn(env)) {
    const { Tracer } = await import('@aws-lambda-powertools/tracer');
    telemetry.tracer = new Tracer({ serviceName: SERVICE_NAME });
  }
  return telemetry;
}

/** Telemetry for in-process runs (local workflow, tests): a logger at `LOG_LEVEL` (default silent). */
export function localTelemetry(): Telemetry {
  const level = process.env.LOG_LEVEL?.toUpperCase() ?? 'SILENT';
  const logger = new Logger({ serviceName: SERVICE_NAME, logLevel: level as 'SILENT' });
  // In-process runs print their report on stdout: log lines go to stderr. Powertools writes through its own
  // Console instance (Logger#setConsole), which is the one thing to replace.
  (logger as unknown as { console: Console }).console = new Console({
    stdout: process.stderr,
    stderr: process.stderr,
  });
  return { logger };
}

/** Count a metric when metrics are on. */
export function count(t: Telemetry, name: string, value = 1): void {
  t.metrics?.addMetric(name, MetricUnit.Count, value);
}

/**
 * Record a count with its own dimensions (besides `service` and `role`), as a separate EMF record
 * (Powertools `singleMetric`), e.g. open findings per deployment and severity.
 */
export function countBy(t: Telemetry, name: string, dimensions: Record<string, string>, value: number): void {
  if (!t.metrics) return;
  const m = t.metrics.singleMetric();
  m.addDimensions(dimensions);
  m.addMetric(name, MetricUnit.Count, value);
}

/** Record a duration metric when metrics are on. */
export function millis(t: Telemetry, name: string, value: number): void {
  t.metrics?.addMetric(name, MetricUnit.Milliseconds, value);
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
  run: (event: E, context: Context) => Promise<R>,
): (event: E, context: Context) => Promise<R> {
  let cold = true;
  return async (event, context) => {
    t.logger.addContext(context);
    if (cold) {
      t.metrics?.captureColdStartMetric(context.functionName);
      cold = false;
    }
    try {
      return await run(event, context);
    } catch (err) {
      t.logger.error('invocation failed', { error: describeError(err) });
      throw err;
    } finally {
      t.metrics?.publishStoredMetrics();
    }
  };
}
