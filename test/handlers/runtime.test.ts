import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lambdas/audit/errors.js';
import {
  deploymentParameterName,
  findDeployment,
  functionDeployment,
  parameterDeployments,
} from '../../lambdas/handlers/runtime.js';
import { testDeployment } from '../fixtures/deployment.js';

/** An SSM provider holding parameters as Powertools returns them with `transform: 'json'`. */
const provider = (params: Record<string, unknown>) => {
  const asked: Array<{ name: string; maxAge?: number }> = [];
  return {
    asked,
    get: async (name: string, opts?: { transform?: string; maxAge?: number }) => {
      asked.push({ name, ...(opts?.maxAge !== undefined ? { maxAge: opts.maxAge } : {}) });
      expect(opts?.transform).toBe('json');
      return params[name];
    },
  };
};

describe('Function: parameterDeployments', () => {
  const prefix = '/coder-auditor/Test';
  it('Compliance: reads the deployment parameter, cached, and validates it with the configuration schema', async () => {
    const p = provider({ [deploymentParameterName(prefix, 'prod')]: functionDeployment(testDeployment()) });
    const d = await parameterDeployments({ prefix, provider: p as never })('prod');
    expect(d.id).toBe('prod');
    expect(d.thresholds.pendingPodMinutes).toBe(15);
    expect(p.asked).toEqual([{ name: '/coder-auditor/Test/deployments/prod', maxAge: 300 }]);
  });

  it('Noncompliance 1: a missing parameter, an invalid document or another id is a ConfigError naming it', async () => {
    const { eks: _eks, ...noEks } = testDeployment();
    const p = provider({
      [deploymentParameterName(prefix, 'bad')]: { ...noEks, id: 'bad' },
      [deploymentParameterName(prefix, 'other')]: testDeployment(),
    });
    const read = parameterDeployments({ prefix, provider: p as never });
    await expect(read('staging')).rejects.toThrow('unknown deployment "staging"');
    await expect(read('bad')).rejects.toThrow(
      /invalid parameter \/coder-auditor\/Test\/deployments\/bad:\n\s+deployments\[0\]\.eks: is required/,
    );
    await expect(read('other')).rejects.toThrow('holds deployment "prod"');
    await expect(read('../x')).rejects.toBeInstanceOf(ConfigError);
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
