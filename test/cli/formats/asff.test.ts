import { describe, expect, it } from 'vitest';
import { productArn, toAsff } from '../../../cli/formats/asff.js';
import { UsageError } from '../../../lambdas/audit/errors.js';
import { asffProblems } from '../../helpers/schemas.js';
import { FINGERPRINTS, context, reports } from './fixtures.js';

type AsffFinding = Record<string, unknown> & { Id: string; GeneratorId: string };
const findings = (): AsffFinding[] => JSON.parse(toAsff(reports(), context())) as AsffFinding[];

describe('Function: toAsff', () => {
  it('is a valid BatchImportFindings request body per the Security Hub service model', () => {
    const all = findings();
    expect(all).toHaveLength(9);
    expect(asffProblems({ Findings: all })).toEqual([]);
  });

  it('the schema check is real: missing fields, bad enums and documented length limits are caught', () => {
    const [first] = findings();
    const { Resources: _r, ...noResources } = first!;
    const problems = asffProblems({
      Findings: [
        noResources,
        { ...first, Severity: { Label: 'SEVERE' }, AwsAccountId: '1234', Title: 'x'.repeat(257) },
      ],
    }).join('\n');
    expect(problems).toMatch(/\/Findings\/0 must have required property 'Resources'/);
    expect(problems).toMatch(/\/Findings\/1\/Severity\/Label must be equal to one of the allowed values/);
    expect(problems).toMatch(/\/Findings\/1\/AwsAccountId must NOT have fewer than 12 characters/);
    expect(problems).toMatch(/\/Findings\/1\/Title must NOT have more than 256 characters/);
    expect(asffProblems({ Findings: [] }).join('\n')).toMatch(/must NOT have fewer than 1 items/);
  });

  it('imports as the account custom integration, with compliance, workflow and record states', () => {
    const all = findings();
    const by = (id: string) => all.find((f) => f.Id === `coder-audit/prod/${id}`)!;
    const symptom = by(FINGERPRINTS.symptom);
    expect(symptom).toMatchObject({
      SchemaVersion: '2018-10-08',
      ProductArn: 'arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default',
      AwsAccountId: '123456789012',
      GeneratorId: 'coder-audit/coderd-ready',
      Severity: { Label: 'CRITICAL', Original: 'critical' },
      Compliance: { Status: 'FAILED' },
      Workflow: { Status: 'NEW' },
      RecordState: 'ACTIVE',
      RelatedFindings: [{ Id: `coder-audit/prod/${FINGERPRINTS.cause}` }],
      ProductFields: {
        'coder-audit/CheckId': 'coderd-ready',
        'coder-audit/Reason': 'crash-loop',
        'coder-audit/ReasonMessage': 'The coderd container is in CrashLoopBackOff.',
      },
    });
    const statuses = all.map((f) => [
      f.GeneratorId,
      (f.Compliance as { Status: string }).Status,
      (f.Workflow as { Status: string }).Status,
      f.RecordState,
    ]);
    expect(statuses).toContainEqual(['coder-audit/aurora-recent-events', 'NOT_AVAILABLE', 'NEW', 'ACTIVE']);
    expect(statuses).toContainEqual([
      'coder-audit/db-long-running-queries',
      'FAILED',
      'SUPPRESSED',
      'ACTIVE',
    ]);
    expect(statuses).toContainEqual(['coder-audit/eks-cluster-active', 'PASSED', 'NEW', 'ARCHIVED']);
    const staging = all.find((f) => f.Id.startsWith('coder-audit/staging/'))!;
    expect(staging.ProductArn).toBe(productArn('eu-west-1', '210987654321'));
    expect(by(FINGERPRINTS.cause).Resources).toEqual([
      {
        Type: 'AwsEc2SecurityGroup',
        Id: 'arn:aws:ec2:us-east-1:123456789012:security-group/sg-0db0000000000001a',
        Partition: 'aws',
        Region: 'us-east-1',
      },
    ]);
  });

  it('refuses without the account of a deployment: Security Hub needs it', () => {
    expect(() => toAsff(reports(), context({ aws: { prod: { region: 'us-east-1' } } }))).toThrowError(
      UsageError,
    );
  });
});
