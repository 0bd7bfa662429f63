import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, loadConfig, parseConfig } from '../../lambdas/audit/config.js';
import { ConfigError } from '../../lambdas/audit/errors.js';
import { testDeployment } from '../fixtures/deployment.js';

const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('Function: parseConfig', () => {
  it('accepts a single deployment and fills defaults', () => {
    const d = testDeployment();
    expect(d.namespaces).toEqual({ coderd: 'coder', provisioner: 'coder-prov', workspaces: 'coder-ws' });
    expect(d.thresholds.provisionerKeyMaxAgeDays).toBe(90);
    expect(d.coderd.healthPath).toBe('/healthz');
  });

  it('names every invalid field in one error', () => {
    expect(() =>
      parseConfig({ id: 'Prod!', aws: { region: 'moon-1' }, eks: { clusterName: 'c', nodegroups: [] } }),
    ).toThrowError(
      expect.objectContaining({
        name: 'ConfigError',
        message: expect.stringMatching(
          /deployments\[0\]\.id: must be lowercase[\s\S]*aws\.region: must be an AWS region[\s\S]*eks\.nodegroups: list at least one[\s\S]*aurora: is required/,
        ),
      }),
    );
  });

  it('rejects duplicate deployment ids and inconsistent thresholds', () => {
    const d = {
      ...testDeployment(),
      thresholds: { connectionsWarnPercent: 99, connectionsCriticalPercent: 90 },
    };
    expect(() => parseConfig({ deployments: [d, { ...d, thresholds: {} }] })).toThrowError(
      /deployments\[1\]\.id: duplicate deployment id "prod"[\s\S]*|connectionsWarnPercent: must not exceed/,
    );
  });

  it('rejects unknown keys (typos)', () => {
    expect(() => parseConfig({ ...testDeployment(), nbl: {} })).toThrowError(/Unrecognized key.*nbl/);
  });
});

describe('Function: loadConfig', () => {
  it('reads YAML', () => {
    const p = file(
      'ok.yaml',
      `deployments:
  - id: prod
    aws: { region: eu-west-1 }
    eks: { clusterName: coder-prod, nodegroups: [coder-prod-ws] }
    aurora: { clusterId: coder-prod-aurora }
    network: { dbSecurityGroupId: sg-0db0000000000001a, nodeSecurityGroupId: sg-0e0de0000000000b2 }
    nlb: { targetGroupArns: ['arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/c/0123'] }
`,
    );
    expect(loadConfig(p).deployments[0]!.aws.region).toBe('eu-west-1');
  });

  it('reports unreadable and unparsable files as ConfigError', () => {
    expect(() => loadConfig(join(dir, 'missing.yaml'))).toThrowError(ConfigError);
    expect(() => loadConfig(file('bad.yaml', 'deployments: [\n'))).toThrowError(/not valid YAML/);
  });

  it('Noncompliance: reads at most 1 MiB of a configuration file (a huge file, or one that never ends)', () => {
    const big = file('big.yaml', `# ${'x'.repeat(80)}\n`.repeat(40_000));
    expect(() => loadConfig(big)).toThrowError(/big\.yaml is larger than 1048576 bytes; not read/);
    expect(() => loadConfig('/dev/zero')).toThrowError(/\/dev\/zero is larger than 1048576 bytes/);
  });
});

describe('Function: configJsonSchema', () => {
  it('describes the deployment fields', () => {
    const s = JSON.stringify(configJsonSchema());
    for (const key of [
      'clusterName',
      'dbSecurityGroupId',
      'targetGroupArns',
      'requiredVpcEndpoints',
      'thresholds',
    ]) {
      expect(s).toContain(key);
    }
  });
});
