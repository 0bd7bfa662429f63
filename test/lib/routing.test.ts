import { Template } from 'aws-cdk-lib/assertions';
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { parseConfig, type AuditConfig } from '../../lambdas/audit/config.js';
import { severityRank, type Severity } from '../../lambdas/audit/model.js';
import { CoderAuditorStack } from '../../lib/coder-auditor-stack.js';
import { alertRoutes, MAX_FILTER_COMBINATIONS } from '../../lib/routing.js';
import { testDeployment } from '../fixtures/deployment.js';

/**
 * The part of SNS attribute filtering the routes use, after the SNS developer guide: a message matches a
 * policy when every key of it matches (AND), a key matches when one of its values does (OR); a string
 * value matches an equal String attribute, `{exists: false}` an absent attribute, `{numeric: ['>=', n]}` a
 * Number attribute at least n; `$or` matches when one of its branches does
 * (docs.aws.amazon.com/sns/latest/dg/and-or-logic.html, attribute-key-matching.html,
 * numeric-value-matching.html).
 */
function matches(
  policy: Record<string, unknown> | undefined,
  attrs: Record<string, string | number>,
): boolean {
  if (!policy) return true;
  if (Array.isArray(policy.$or))
    return (policy.$or as Record<string, unknown>[]).some((b) => matches(b, attrs));
  return Object.entries(policy).every(([key, values]) =>
    (values as unknown[]).some((v) => {
      const a = attrs[key];
      if (typeof v === 'string') return a === v;
      const op = v as { exists?: boolean; numeric?: [string, number] };
      if (op.exists === false) return a === undefined;
      if (op.numeric) return typeof a === 'number' && op.numeric[0] === '>=' && a >= op.numeric[1];
      throw new Error(`operator not modelled: ${JSON.stringify(v)}`);
    }),
  );
}

const alertOf = (deployment: string, severity: Severity) => ({
  deployment,
  severityRank: severityRank(severity),
});
const ALARM = {}; // CloudWatch alarms publish without message attributes.

const fleet = (): AuditConfig =>
  parseConfig({
    deployments: [
      {
        ...testDeployment(),
        id: 'prod',
        alertEmails: ['oncall@example.com', { email: 'cto@example.com', minSeverity: 'critical' }],
      },
      {
        ...testDeployment(),
        id: 'staging',
        alertEmails: [{ email: 'oncall@example.com', minSeverity: 'high' }, 'dev@example.com'],
      },
    ],
  });

describe('Function: alertRoutes', () => {
  const routes = alertRoutes(fleet().deployments);
  const policyOf = (email: string) => routes.find((r) => r.email === email)!.filterPolicy;

  it('Compliance: each address gets its deployments, from its minimum severity on, and every alarm', () => {
    expect(routes.map((r) => r.email).sort()).toEqual([
      'cto@example.com',
      'dev@example.com',
      'oncall@example.com',
    ]);
    const dev = policyOf('dev@example.com');
    expect(matches(dev, alertOf('staging', 'info'))).toBe(true);
    expect(matches(dev, alertOf('prod', 'critical'))).toBe(false);
    expect(matches(dev, ALARM)).toBe(true);

    const cto = policyOf('cto@example.com');
    expect(matches(cto, alertOf('prod', 'critical'))).toBe(true);
    expect(matches(cto, alertOf('prod', 'high'))).toBe(false);
    expect(matches(cto, alertOf('staging', 'critical'))).toBe(false);
    expect(matches(cto, ALARM)).toBe(true);
  });

  it('Noncompliance 1: an address with a different minimum per deployment gets one policy with a branch each', () => {
    const oncall = policyOf('oncall@example.com');
    expect(oncall).toHaveProperty('$or');
    expect(matches(oncall, alertOf('prod', 'low'))).toBe(true);
    expect(matches(oncall, alertOf('staging', 'medium'))).toBe(false);
    expect(matches(oncall, alertOf('staging', 'high'))).toBe(true);
    expect(matches(oncall, alertOf('qa', 'critical'))).toBe(false);
    expect(matches(oncall, ALARM)).toBe(true);
  });

  it('Noncompliance 2: an address every deployment lists without a minimum is not filtered', () => {
    const all = alertRoutes([
      { id: 'a', alertEmails: ['x@example.com'] },
      { id: 'b', alertEmails: ['x@example.com'] },
    ]);
    expect(all).toEqual([{ email: 'x@example.com' }]);
  });

  it(`Noncompliance 3: a policy above SNS's ${MAX_FILTER_COMBINATIONS} value combinations is refused at synth`, () => {
    const many = Array.from({ length: 80 }, (_, i) => ({
      id: `d${i}`,
      alertEmails: [{ email: 'x@example.com', minSeverity: 'high' as const }],
    }));
    // 80 deployments out of 81: (80 + absent) × (rank + absent) = 162 combinations.
    expect(() => alertRoutes([...many, { id: 'other', alertEmails: [] }])).toThrow(/162 value combinations/);
  });
});

describe('Construct: CoderAuditor alert routing', () => {
  it('subscribes each address once with its filter policy', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new CoderAuditorStack(app, 'Routing', {
      config: fleet(),
      env: { account: '123456789012', region: 'us-east-1' },
    });
    const subs = Object.values(Template.fromStack(stack).findResources('AWS::SNS::Subscription'));
    expect(subs.map((s) => s.Properties.Endpoint).sort()).toEqual([
      'cto@example.com',
      'dev@example.com',
      'oncall@example.com',
    ]);
    const cto = subs.find((s) => s.Properties.Endpoint === 'cto@example.com')!.Properties;
    expect(cto).toMatchObject({ Protocol: 'email' });
    // The Aggregate function may put events on the default bus of its own account and region, nothing else.
    const policies = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
    const puts = policies.flatMap((p) =>
      (p.Properties.PolicyDocument.Statement as Array<{ Action: unknown; Resource: unknown }>).filter((st) =>
        JSON.stringify(st.Action).includes('events:PutEvents'),
      ),
    );
    expect(puts).toHaveLength(1);
    expect(JSON.stringify(puts[0]!.Resource)).toMatch(/:events:us-east-1:123456789012:event-bus\/default"/);
    expect(cto.FilterPolicy).toEqual({
      deployment: ['prod', { exists: false }],
      severityRank: [{ numeric: ['>=', 5] }, { exists: false }],
    });
  });
});
