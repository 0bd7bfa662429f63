import { describe, expect, it } from 'vitest';
import { toJUnit, xmlEscape } from '../../../cli/formats/junit.js';
import { junitProblems } from '../../helpers/schemas.js';
import { HOSTILE, reports } from './fixtures.js';

/** Attribute values of every element named `tag`, in document order (the XML is ours and regular). */
function elements(xml: string, tag: string): Array<Record<string, string>> {
  return [...xml.matchAll(new RegExp(`<${tag}((?:\\s+[\\w-]+="[^"]*")*)\\s*/?>`, 'g'))].map((m) =>
    Object.fromEntries([...(m[1] ?? '').matchAll(/([\w-]+)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!])),
  );
}

describe('Function: toJUnit', () => {
  it('is valid against the Jenkins xunit plugin junit-10.xsd (libxml2)', async () => {
    expect(await junitProblems(toJUnit(reports()))).toEqual([]);
  });

  it('the schema check is real: a test suite without its required counts is caught', async () => {
    const bad = toJUnit(reports()).replace(/(<testsuite [^>]*?) failures="\d+"/, '$1');
    expect((await junitProblems(bad)).join('\n')).toMatch(/The attribute 'failures' is required/);
    expect((await junitProblems('<testsuites><testsuite/></testsuites>')).length).toBeGreaterThan(0);
  });

  it('has one test suite per deployment and group, one test case per check and resource', () => {
    const xml = toJUnit(reports());
    expect(
      elements(xml, 'testsuite').map((s) => [s.name, s.tests, s.failures, s.errors, s.skipped, s.time]),
    ).toEqual([
      ['prod/infra', '4', '2', '1', '0', '0.812'],
      ['prod/cluster', '2', '2', '0', '0', '0.640'],
      ['prod/database', '2', '1', '0', '1', '0.120'],
      ['staging/infra', '1', '0', '0', '0', '0.812'],
    ]);
    expect(elements(xml, 'testsuites')[0]).toMatchObject({ tests: '9', failures: '5', errors: '1' });
    expect(elements(xml, 'testcase').map((t) => t.classname)).toContain('prod.infra.db-sg-allows-nodes');
  });

  it('writes failures, errors and muted findings as skipped with who and until when', () => {
    const xml = toJUnit(reports());
    // The type of a failure is its reason code; its severity leads the message.
    expect(elements(xml, 'failure').map((f) => [f.type, f.message?.split(':')[0]])).toEqual([
      ['none-healthy', 'CRITICAL'],
      ['no-ingress', 'HIGH'],
      ['crash-loop', 'CRITICAL'],
      ['database-connection-refused', 'HIGH'],
      ['over-budget', 'LOW'],
    ]);
    expect(xml).toContain('resource: sg-0db0000000000001a\nreason: no-ingress\n');
    expect(elements(xml, 'error')).toEqual([
      { type: 'could-not-run', message: 'HIGH: Title of aurora-recent-events' },
    ]);
    expect(elements(xml, 'skipped')[0]?.message).toBe(
      `muted until 2026-12-31, by data-team, because nightly ETL ${xmlEscape(HOSTILE.script)}`,
    );
    expect(xml).toContain(
      'fix: Allow the nodes to reach PostgreSQL on port 5432.\n$ aws ec2 authorize-security-group-ingress',
    );
    expect(xml).toContain('likely caused by: db-sg-allows-nodes (sg-0db0000000000001a)');
  });

  it('escapes hostile text and drops the characters XML 1.0 forbids', () => {
    const xml = toJUnit(reports());
    expect(xml).not.toContain('<testcase name="fake"/>');
    expect(xml).not.toContain('<script>');
    expect(xml.includes('\u0007') || xml.includes('\u001b')).toBe(false);
    expect(xmlEscape(`a<b>&"c'\r\u0000\ud800`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;&#13;');
  });
});
