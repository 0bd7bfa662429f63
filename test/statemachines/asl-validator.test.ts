import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { loadDefinition } from '../../sim/workflow.js';

/** asl-validator (JSON schema of the Amazon States Language, transitions, terminal states, ARNs, paths). */
const validate = createRequire(import.meta.url)('asl-validator') as (
  definition: unknown,
  opts?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errorsText: (separator?: string) => string };

const fn = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:Fleet-${name}`;
/** The definition as the stack deploys it: every `${...}` substituted. */
function deployed(): { States: Record<string, Record<string, unknown>> } {
  return loadDefinition({
    InfraFunctionArn: fn('Infra'),
    ClusterFunctionArn: fn('Cluster'),
    DatabaseFunctionArn: fn('Database'),
    CoderFunctionArn: fn('Coder'),
    AggregateFunctionArn: fn('Aggregate'),
    NotifyFunctionArn: fn('Notify'),
    TableName: 'Fleet-Findings',
    FleetParameterName: '/coder-auditor/Fleet/fleet',
    DeploymentParameterPrefix: '/coder-auditor/Fleet/deployments/',
    GroupTaskTimeoutSeconds: '190',
  }) as unknown as { States: Record<string, Record<string, unknown>> };
}

/** The child state machine the Distributed Map starts (its ItemProcessor, as a definition of its own). */
function child(definition = deployed()): Record<string, unknown> {
  const { ProcessorConfig: _p, ...states } = definition.States.AuditFleet!.ItemProcessor as Record<
    string,
    unknown
  >;
  return states;
}

describe('Workflow: asl-validator', () => {
  it('accepts the Standard parent as deployed', () => {
    const r = validate(deployed());
    expect(r.errorsText()).toBe('');
    expect(r.isValid).toBe(true);
  });

  it('accepts the Express child (one batch of deployments) as a state machine of its own', () => {
    const r = validate(child());
    expect(r.errorsText()).toBe('');
    expect(r.isValid).toBe(true);
  });

  it('Noncompliance 1: rejects a transition to a state that does not exist, in the parent and in the child', () => {
    const parent = deployed();
    parent.States['AnyFailed?']!.Default = 'Nowhere';
    expect(validate(parent).isValid).toBe(false);
    const broken = deployed();
    const batch = (
      broken.States.AuditFleet!.ItemProcessor as { States: Record<string, Record<string, unknown>> }
    ).States.Deployments!;
    const audit = (batch.ItemProcessor as { States: Record<string, Record<string, unknown>> }).States;
    audit.Aggregate!.Next = 'Nowhere';
    expect(validate(child(broken)).isValid).toBe(false);
  });
});
