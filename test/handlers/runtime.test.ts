import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lambdas/audit/errors.js';
import { configFromEnv, findDeployment } from '../../lambdas/handlers/runtime.js';
import { testDeployment } from '../fixtures/deployment.js';

describe('Function: configFromEnv', () => {
  it('Compliance', () => {
    const config = configFromEnv({ AUDIT_CONFIG: JSON.stringify({ deployments: [testDeployment()] }) });
    expect(config.deployments.map((d) => d.id)).toEqual(['prod']);
  });

  it('Noncompliance 1: not set', () => {
    expect(() => configFromEnv({})).toThrow(ConfigError);
  });

  it('Noncompliance 2: invalid fields are named as the CLI names them', () => {
    const { eks: _eks, ...rest } = testDeployment();
    expect(() => configFromEnv({ AUDIT_CONFIG: JSON.stringify({ deployments: [rest] }) })).toThrow(
      /invalid AUDIT_CONFIG:\n\s+deployments\[0\]\.eks: is required/,
    );
  });
});

describe('Function: findDeployment', () => {
  it('Noncompliance 1: unknown id names the configured ones', () => {
    const config = { deployments: [testDeployment()], schedule: 'rate(1 hour)' };
    expect(findDeployment(config, 'prod').id).toBe('prod');
    expect(() => findDeployment(config, 'staging')).toThrow('unknown deployment "staging"; configured: prod');
  });
});
