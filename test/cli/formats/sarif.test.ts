import { describe, expect, it } from 'vitest';
import { toSarif } from '../../../cli/formats/sarif.js';
import { sarifProblems } from '../../helpers/schemas.js';
import { FINGERPRINTS, HOSTILE, context, reports } from './fixtures.js';

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  kind: string;
  level: string;
  message: { text: string; markdown: string };
  locations: Array<{
    physicalLocation?: { artifactLocation: { uri: string }; region: { startLine: number } };
    logicalLocations: Array<{ fullyQualifiedName: string; kind: string }>;
  }>;
  partialFingerprints: Record<string, string>;
  fingerprints: Record<string, string>;
  suppressions?: Array<{ kind: string; status: string; justification: string }>;
  properties: Record<string, unknown>;
}
interface SarifLog {
  version: string;
  runs: Array<{
    tool: { driver: { name: string; rules: Array<Record<string, unknown> & { id: string }> } };
    results: SarifResult[];
    invocations: Array<{ toolExecutionNotifications?: Array<{ message: { text: string } }> }>;
  }>;
}

const log = (): SarifLog => JSON.parse(toSarif(reports(), context())) as SarifLog;

describe('Function: toSarif', () => {
  it('is valid against the OASIS SARIF 2.1.0 schema', () => {
    expect(sarifProblems(log())).toEqual([]);
  });

  it('the schema check is real: a wrong level or a missing message is caught', () => {
    const bad = log();
    bad.runs[0]!.results[0]!.level = 'fatal';
    delete (bad.runs[0]!.results[1] as Partial<SarifResult>).message;
    const problems = sarifProblems(bad);
    expect(problems.some((p) => p.includes('/runs/0/results/0/level'))).toBe(true);
    expect(problems.some((p) => p.includes("must have required property 'message'"))).toBe(true);
  });

  it('has one rule per check of the catalogue, with help naming the runbook section and the fix', () => {
    const { rules } = log().runs[0]!.tool.driver;
    const ids = context().catalogue.map((c) => c.id);
    expect(rules.map((r) => r.id)).toEqual(ids);
    const sg = rules.find((r) => r.id === 'db-sg-allows-nodes')!;
    expect(sg).toMatchObject({
      name: 'DbSgAllowsNodes',
      shortDescription: { text: 'Nodes can reach the database port' },
      defaultConfiguration: { level: 'error' },
      properties: { 'security-severity': '8.0', tags: ['coder-audit', 'infra'] },
    });
    expect((sg.help as { text: string }).text).toMatch(/Runbook section: "Database Connection Errors"/);
    expect((sg.help as { text: string }).text).toMatch(/Fix: each result gives the fix/);
  });

  it('maps severity to level on failing results, and a check that could not run to kind open', () => {
    const results = log().runs[0]!.results;
    const by = (id: string) => results.find((r) => r.ruleId === id)!;
    expect([by('coderd-ready').level, by('db-sg-allows-nodes').level, by('db-size').level]).toEqual([
      'error',
      'error',
      'note',
    ]);
    expect(by('db-long-running-queries')).toMatchObject({ kind: 'fail', level: 'warning' });
    expect(by('aurora-recent-events')).toMatchObject({ kind: 'open', level: 'none' });
    // No result for passes: code scanning closes the alerts a later upload no longer has.
    expect(results.some((r) => r.ruleId === 'eks-cluster-active')).toBe(false);
    for (const r of results) expect(log().runs[0]!.tool.driver.rules[r.ruleIndex]!.id).toBe(r.ruleId);
  });

  it('fingerprints from the finding fingerprint, per deployment, and a location for code scanning', () => {
    const result = log().runs[0]!.results.find((r) => r.ruleId === 'coderd-ready')!;
    expect(result.partialFingerprints).toEqual({ 'coderAuditFinding/v1': `prod/${FINGERPRINTS.symptom}` });
    expect(result.fingerprints).toEqual(result.partialFingerprints);
    expect(result.locations[0]).toEqual({
      physicalLocation: { artifactLocation: { uri: 'coder-audit.yaml' }, region: { startLine: 2 } },
      logicalLocations: [{ fullyQualifiedName: 'k8s:coder/deployment/coder', kind: 'resource' }],
    });
    expect(result.properties.rootCause).toBe(`prod/${FINGERPRINTS.cause}`);
    expect(result.message.text).toMatch(/^\[prod\] Title of coderd-ready: k8s:coder\/deployment\/coder\./);
    expect(result.message.text).toContain('Likely caused by db-sg-allows-nodes on sg-0db0000000000001a.');
  });

  it('keeps the check as the rule and carries the reason in the result, and lists the reasons in the rule help', () => {
    const run = log().runs[0]!;
    const result = run.results.find((r) => r.ruleId === 'coderd-ready')!;
    expect(result.properties).toMatchObject({
      reason: 'crash-loop',
      reasonMessage: 'The coderd container is in CrashLoopBackOff.',
    });
    expect(result.message.text).toContain(
      '\nReason crash-loop: The coderd container is in CrashLoopBackOff.\n',
    );
    expect(run.results.find((r) => r.ruleId === 'aurora-recent-events')!.properties).not.toHaveProperty(
      'reason',
    );
    const rule = run.tool.driver.rules[result.ruleIndex] as unknown as { help: { markdown: string } };
    expect(rule.help.markdown).toContain(
      '- `crash-loop` (critical): The coderd container is in CrashLoopBackOff.',
    );
  });

  it('carries the fix with real ids in the message, and mutes as accepted suppressions', () => {
    const results = log().runs[0]!.results;
    const sg = results.find((r) => r.ruleId === 'db-sg-allows-nodes')!;
    expect(sg.message.text).toContain(
      '$ aws ec2 authorize-security-group-ingress --group-id sg-0db0000000000001a',
    );
    expect(sg.message.markdown).toContain('```bash\naws ec2 authorize-security-group-ingress');
    const muted = results.find((r) => r.ruleId === 'db-long-running-queries')!;
    expect(muted.suppressions).toEqual([
      {
        kind: 'external',
        status: 'accepted',
        justification: `muted until 2026-12-31, by data-team, because nightly ETL ${HOSTILE.script}`,
      },
    ]);
    expect(results.filter((r) => r.suppressions)).toHaveLength(1);
  });

  it('puts report notices in the invocation, and keeps inline code fences intact around backticks', () => {
    const run = log().runs[0]!;
    expect(run.invocations[0]!.toolExecutionNotifications?.[0]?.message.text).toMatch(
      /^\[prod\] The mute of db-size/,
    );
    const hostile = run.results.find((r) => r.ruleId === 'log-error-patterns')!;
    // The resource holds no backtick; the detail with one is not inside a code span.
    expect(hostile.message.markdown).toContain(`\`k8s:logs/${HOSTILE.attribute}\``);
  });

  it('has no physical location without an artifact (still valid SARIF)', () => {
    const { artifact: _none, ...ctx } = context();
    const parsed = JSON.parse(toSarif(reports(), ctx)) as SarifLog;
    expect(parsed.runs[0]!.results[0]!.locations[0]!.physicalLocation).toBeUndefined();
    expect(sarifProblems(parsed)).toEqual([]);
  });
});
