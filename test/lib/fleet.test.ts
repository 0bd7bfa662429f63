import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseConfig, type AuditConfig } from '../../lambdas/audit/config.js';
import { CoderAuditorStack } from '../../lib/coder-auditor-stack.js';
import { CoderAuditorTarget } from '../../lib/target.js';
import { executionTimeoutSeconds, fleetMapSettings } from '../../lib/workflow.js';

const EXAMPLE = join(import.meta.dirname, '..', '..', 'examples', 'config.yaml');
const OTHER = '210987654321';

/** 200 deployments: four per cluster (own namespaces), every fifth cluster in another account. */
function fleet(n = 200): AuditConfig {
  const doc = parseYaml(readFileSync(EXAMPLE, 'utf8')) as {
    deployments: Array<Record<string, unknown>>;
    serverless: Record<string, unknown>;
  };
  const base = doc.deployments[0]!;
  doc.deployments = Array.from({ length: n }, (_, i) => {
    const cluster = Math.floor(i / 4);
    const other = cluster % 5 === 4;
    return {
      ...base,
      id: `team-${String(i).padStart(3, '0')}`,
      aws: other
        ? {
            region: 'us-east-1',
            roleArn: `arn:aws:iam::${OTHER}:role/coder-auditor-read-only`,
            externalId: 'x-123',
          }
        : { region: 'us-east-1' },
      eks: { clusterName: `eks-${cluster}`, nodegroups: ['system', 'ws'] },
      aurora: { clusterId: `aurora-${i}` },
      namespaces: { coderd: `coder-${i}`, provisioner: `prov-${i}`, workspaces: `ws-${i}` },
      coder: { url: `https://coder-${i}.example.com`, tokenSecretId: `coder-auditor/team-${i}/token` },
      alertEmails: [],
    };
  });
  doc.serverless.dbResourceIds = {};
  return parseConfig(doc);
}

describe('Construct: CoderAuditor at fleet scale', () => {
  it('synthesizes 200 deployments (shared clusters, other accounts), one access entry per cluster, cdk-nag clean', () => {
    const config = fleet();
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new CoderAuditorStack(app, 'Fleet', {
      config,
      env: { account: '123456789012', region: 'us-east-1' },
    });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
    const t = Template.fromStack(stack);
    // 50 clusters, 10 of them in the other account (their access entries come from CoderAuditorTarget).
    const entries = Object.values(t.findResources('AWS::EKS::AccessEntry'));
    expect(entries).toHaveLength(40);
    expect(new Set(entries.map((e) => e.Properties.ClusterName)).size).toBe(40);
    const eks0 = entries.find((e) => e.Properties.ClusterName === 'eks-0')!;
    expect(eks0.Properties.AccessPolicies[0].AccessScope.Namespaces).toHaveLength(12);
    // The configuration is in parameters, one per deployment plus the fleet: no function holds it.
    expect(Object.keys(t.findResources('AWS::SSM::Parameter'))).toHaveLength(201);
    expect(JSON.stringify(t.findResources('AWS::Lambda::Function'))).not.toContain('eks-0');
    // One deploy rule per deployment, the coder.deploy rule and the release rule: within the 300 of a bus.
    expect(Object.keys(t.findResources('AWS::Events::Rule'))).toHaveLength(202);
    // The other account may forward its deploy events to this bus.
    const busPolicy = JSON.stringify(t.findResources('AWS::Events::EventBusPolicy'));
    expect(busPolicy).toContain(`:iam::${OTHER}:root`);
    expect(busPolicy).toContain('events:PutEvents');
    const sm = Object.values(t.findResources('AWS::StepFunctions::StateMachine'))[0]!;
    const definition = JSON.stringify(sm.Properties.DefinitionString);
    expect(definition).toContain('TimeoutSeconds');
    expect(definition).toContain('DISTRIBUTED');
    // 50 deployments at once (the default): five children of ten.
    expect(definition).toContain('\\"MaxConcurrency\\":5,');
    expect(definition).toContain('\\"ItemBatcher\\":{\\"MaxItemsPerBatch\\":10}');
  });
});

describe('Function: fleetMapSettings', () => {
  it('keeps at most maxConcurrency deployments in flight, ten per child execution', () => {
    expect(fleetMapSettings(50)).toEqual({ batchSize: 10, childConcurrency: 5 });
    expect(fleetMapSettings(15)).toEqual({ batchSize: 10, childConcurrency: 1 });
    expect(fleetMapSettings(4)).toEqual({ batchSize: 4, childConcurrency: 1 });
    expect(fleetMapSettings(1000)).toEqual({ batchSize: 10, childConcurrency: 100 });
  });

  it('gives an execution one Express lifetime per wave of deployments after the longest debounce', () => {
    // 200 deployments, 50 at once: 4 waves of 5 minutes after 6 settle periods of 5 minutes.
    expect(executionTimeoutSeconds(200, 50)).toBe(6 * 300 + 4 * 300 + 300);
    expect(executionTimeoutSeconds(200, 1000)).toBe(6 * 300 + 300 + 300);
  });
});

describe('Construct: CoderAuditorTarget', () => {
  it('creates the read-only role (trust limited to the auditor roles, external id), access entries and forwarding rules', () => {
    const config = fleet(20);
    const mine = config.deployments.filter((d) => d.aws.roleArn?.includes(OTHER));
    const app = new App();
    const stack = new Stack(app, 'Target', { env: { account: OTHER, region: 'us-east-1' } });
    const auditorRoles = [
      'arn:aws:iam::123456789012:role/Fleet-InfraRole',
      'arn:aws:iam::123456789012:role/Fleet-ClusterRole',
    ];
    new CoderAuditorTarget(stack, 'Target', {
      deployments: mine,
      auditorRoleArns: auditorRoles,
      externalId: 'x-123',
      auditorBus: { account: '123456789012', region: 'us-east-1' },
    });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const t = Template.fromStack(stack);
    const role = Object.values(t.findResources('AWS::IAM::Role')).find(
      (r) => r.Properties.RoleName === 'coder-auditor-read-only',
    )!;
    const trust = role.Properties.AssumeRolePolicyDocument.Statement as Array<Record<string, unknown>>;
    expect(trust.map((st) => (st.Principal as { AWS: string }).AWS).sort()).toEqual([...auditorRoles].sort());
    for (const st of trust) {
      expect(st).toMatchObject({
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Condition: { StringEquals: { 'sts:ExternalId': 'x-123' } },
      });
    }
    const actions = Object.values(t.findResources('AWS::IAM::Policy')).flatMap((p) =>
      (p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[] }>).flatMap((s) =>
        [s.Action].flat(),
      ),
    );
    expect(
      actions.filter(
        (a) =>
          !/^(eks|ec2|rds|rds-db|elasticloadbalancing|servicequotas|secretsmanager|cloudwatch):(Describe|Get|connect)|^cloudtrail:LookupEvents$|^events:PutEvents$/.test(
            a,
          ),
      ),
    ).toEqual([]);
    expect(Object.keys(t.findResources('AWS::EKS::AccessEntry'))).toHaveLength(1);
    const rules = Object.values(t.findResources('AWS::Events::Rule'));
    expect(rules).toHaveLength(mine.length);
    expect(JSON.stringify(rules[0]!.Properties.Targets)).toContain(':event-bus/default');
  });
});
