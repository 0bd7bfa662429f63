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

describe('Configuration: mutes and overrides', () => {
  const yaml = (rules: string) =>
    `deployments:
  - id: prod
    aws: { region: eu-west-1 }
    eks: { clusterName: coder-prod, nodegroups: [coder-prod-ws] }
    aurora: { clusterId: coder-prod-aurora }
    network: { dbSecurityGroupId: sg-0db0000000000001a, nodeSecurityGroupId: sg-0e0de0000000000b2 }
    nlb: { targetGroupArns: ['arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/c/0123'] }
${rules}`;

  it('reads mutes with an unquoted YAML date, and overrides, with their defaults', () => {
    const cfg = loadConfig(
      file(
        'mutes.yaml',
        yaml(`mutes:
  - check: db-long-running-queries
    resource: coder-prod-aurora/*
    deployments: [prod]
    reason: nightly ETL
    owner: data-team@example.com
    expires: 2026-12-31
  - check: pods-config-errors
    reasons: [image-pull]
    reason: workspace images from a registry we do not run
    owner: platform
    expires: 2026-12-31
overrides:
  - check: db-size
    severity: low
    reason: small instance class on purpose
  - check: oidc-discovery
    disabled: true
    reason: no OIDC here
`),
      ),
    );
    expect(cfg.mutes).toEqual([
      {
        check: 'db-long-running-queries',
        resource: 'coder-prod-aurora/*',
        deployments: ['prod'],
        reason: 'nightly ETL',
        owner: 'data-team@example.com',
        expires: '2026-12-31',
      },
      {
        check: 'pods-config-errors',
        resource: '*',
        reasons: ['image-pull'],
        reason: 'workspace images from a registry we do not run',
        owner: 'platform',
        expires: '2026-12-31',
      },
    ]);
    expect(() =>
      loadConfig(
        file(
          'empty-reasons.yaml',
          yaml(`mutes:\n  - { check: db-size, reasons: [], reason: r, owner: o, expires: 2026-12-31 }\n`),
        ),
      ),
    ).toThrowError(/mutes\[0\]\.reasons: list at least one reason code, or leave reasons out for any/);
    expect(cfg.overrides?.map((o) => [o.check, o.severity, o.disabled])).toEqual([
      ['db-size', 'low', false],
      ['oidc-discovery', undefined, true],
    ]);
  });

  it('requires an expiry, a reason and an owner on every mute, and names each missing field', () => {
    expect(() =>
      loadConfig(file('no-expiry.yaml', yaml(`mutes:\n  - check: db-size\n    expires: next week\n`))),
    ).toThrowError(
      expect.objectContaining({
        name: 'ConfigError',
        message: expect.stringMatching(
          /mutes\[0\]\.reason: is required[\s\S]*mutes\[0\]\.owner: is required[\s\S]*mutes\[0\]\.expires: must be a date \(YYYY-MM-DD\)/,
        ),
      }),
    );
    expect(() =>
      loadConfig(file('no-expiry2.yaml', yaml(`mutes:\n  - { check: db-size, reason: r, owner: o }\n`))),
    ).toThrowError(/mutes\[0\]\.expires: is required/);
  });

  it('rejects rules for deployments the file does not have, and overrides that change nothing', () => {
    const bad = file(
      'bad-rules.yaml',
      yaml(`mutes:
  - { check: db-size, deployments: [staging], reason: r, owner: o, expires: 2026-12-31 }
overrides:
  - { check: db-size, reason: r }
`),
    );
    expect(() => loadConfig(bad)).toThrowError(
      /mutes\[0\]\.deployments\[0\]: "staging" is not a deployment id of this file \(have: prod\)/,
    );
    expect(() => loadConfig(bad)).toThrowError(/overrides\[0\]: set severity or disabled: true/);
  });

  it('keeps mutes and overrides beside a single deployment at the top level', () => {
    const cfg = parseConfig({
      ...testDeployment(),
      mutes: [{ check: 'db-size', reason: 'r', owner: 'o', expires: '2026-12-31' }],
    });
    expect(cfg.deployments).toHaveLength(1);
    expect(cfg.mutes?.[0]?.resource).toBe('*');
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
