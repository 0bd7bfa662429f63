import { describe, expect, it } from 'vitest';
import { lambdaTelemetry, tracingOn } from '../../lambdas/handlers/telemetry.js';

/** cls-hooked (the X-Ray SDK's context) registers its namespaces here when it is imported. */
const xrayContextLoaded = () =>
  Boolean((process as unknown as { namespaces?: Record<string, unknown> }).namespaces?.AWSXRay);

describe('Function: lambdaTelemetry', () => {
  // One file, in this order: once the X-Ray SDK is imported its async hook stays for the process.
  it('Compliance 1: outside Lambda (the local workflow, the CLI) no tracer, and the X-Ray SDK is never imported', async () => {
    // The handler modules build their telemetry at import, as in Lambda.
    await import('../../lambdas/handlers/aggregate.js');
    await import('../../lambdas/handlers/infra.js');
    const t = await lambdaTelemetry('notify', {});
    expect(t.tracer).toBeUndefined();
    expect(t.metrics).toBeDefined();
    expect(xrayContextLoaded()).toBe(false);
  });

  it('Compliance 2: in Lambda the tracer is there, unless POWERTOOLS_TRACE_ENABLED is false', async () => {
    expect(tracingOn({ AWS_LAMBDA_FUNCTION_NAME: 'f', POWERTOOLS_TRACE_ENABLED: 'FALSE' })).toBe(false);
    expect(
      (await lambdaTelemetry('notify', { AWS_LAMBDA_FUNCTION_NAME: 'f', POWERTOOLS_TRACE_ENABLED: 'false' }))
        .tracer,
    ).toBeUndefined();
    expect(xrayContextLoaded()).toBe(false);
    const t = await lambdaTelemetry('notify', { AWS_LAMBDA_FUNCTION_NAME: 'coder-auditor-notify' });
    expect(t.tracer?.constructor.name).toBe('Tracer');
    expect(xrayContextLoaded()).toBe(true);
  });
});
