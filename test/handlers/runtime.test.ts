import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lambdas/audit/errors.js';
import { eventDeployment, findDeployment, functionDeployment } from '../../lambdas/handlers/runtime.js';
import { testDeployment } from '../fixtures/deployment.js';

describe('Function: eventDeployment', () => {
  it('Compliance: validates the document the workflow passed with the configuration schema', () => {
    const { deployment } = eventDeployment('prod', functionDeployment(testDeployment()));
    expect(deployment.id).toBe('prod');
    expect(deployment.thresholds.pendingPodMinutes).toBe(15);
  });

  it('Noncompliance 1: no document, an invalid document or another id is a ConfigError naming it', () => {
    const { eks: _eks, ...noEks } = testDeployment();
    expect(() => eventDeployment('staging', undefined)).toThrow(
      'no configuration document for deployment "staging"',
    );
    expect(() => eventDeployment('bad', { ...noEks, id: 'bad' })).toThrow(
      /invalid configuration of deployment bad:\n\s+deployments\[0\]\.eks: is required/,
    );
    expect(() => eventDeployment('other', testDeployment())).toThrow('holds deployment "prod"');
    expect(() => eventDeployment('../x', testDeployment())).toThrow(ConfigError);
  });
});

describe('Function: functionDeployment', () => {
  it('Noncompliance 1: drops the alert addresses and a local CA file, which do not exist in Lambda', () => {
    const d = testDeployment({
      alertEmails: ['a@example.com'],
      database: { host: 'db.example.com', auth: { type: 'iam' }, tls: { caFile: '/home/me/ca.pem' } },
    });
    const out = functionDeployment(d);
    expect(out).not.toHaveProperty('alertEmails');
    expect(JSON.stringify(out)).not.toContain('/home/me/ca.pem');
  });
});

describe('Function: findDeployment', () => {
  it('Noncompliance 1: unknown id names the configured ones', () => {
    const config = { deployments: [testDeployment()], schedule: 'rate(1 hour)' };
    expect(findDeployment(config, 'prod').id).toBe('prod');
    expect(() => findDeployment(config, 'staging')).toThrow('unknown deployment "staging"; configured: prod');
  });
});
