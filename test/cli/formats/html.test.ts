import { createHash } from 'node:crypto';
import { parse, type DefaultTreeAdapterMap } from 'parse5';
import { describe, expect, it } from 'vitest';
import { escapeHtml, toHtml } from '../../../cli/formats/html.js';
import { renderTable } from '../../../cli/report.js';
import type { Finding } from '../../../lambdas/audit/model.js';
import type { AuditReport } from '../../../lambdas/audit/runner.js';
import { HOSTILE, context, reports } from './fixtures.js';

type Node = DefaultTreeAdapterMap['node'];
type Element = DefaultTreeAdapterMap['element'];

/** Every element of the document, as a browser's parser (parse5, the WHATWG algorithm) builds them. */
function elementsOf(html: string): Element[] {
  const out: Element[] = [];
  const walk = (n: Node) => {
    if ('tagName' in n) out.push(n);
    const kids = 'content' in n && n.content ? n.content.childNodes : 'childNodes' in n ? n.childNodes : [];
    for (const k of kids) walk(k);
  };
  walk(parse(html));
  return out;
}

function text(n: Node): string {
  if (n.nodeName === '#text') return (n as DefaultTreeAdapterMap['textNode']).value;
  return 'childNodes' in n ? n.childNodes.map(text).join('') : '';
}

const attr = (e: Element, name: string) => e.attrs.find((a) => a.name === name)?.value;
const page = () => toHtml(reports(), context());

describe('Function: toHtml', () => {
  it('keeps hostile text as text: one script (its own), no injected element or event handler', () => {
    const els = elementsOf(page());
    expect(els.filter((e) => e.tagName === 'script')).toHaveLength(1);
    expect(
      els.filter((e) => ['img', 'iframe', 'object', 'embed', 'svg', 'link'].includes(e.tagName)),
    ).toEqual([]);
    for (const e of els) {
      for (const a of e.attrs) expect(a.name, `<${e.tagName} ${a.name}>`).not.toMatch(/^on/i);
      expect(attr(e, 'src')).toBeUndefined();
    }
    // ...and every hostile string reads back exactly as it came from the audited system.
    const body = text(els.find((e) => e.tagName === 'body')!);
    expect(body).toContain(`Log line ${HOSTILE.script}`);
    expect(body).toContain(`${HOSTILE.attribute} ${HOSTILE.xml} ${HOSTILE.markdown} ${HOSTILE.quote}`);
    expect(body).toContain(`kubectl logs ${HOSTILE.attribute} </code></pre>${HOSTILE.script}`);
    expect(body).toContain(`k8s:logs/${HOSTILE.attribute}`);
  });

  it('is self-contained: a CSP that allows only its own style and script, by hash, and no link out', () => {
    const els = elementsOf(page());
    const csp = attr(
      els.find((e) => attr(e, 'http-equiv') === 'Content-Security-Policy')!,
      'content',
    )!;
    const hash = (tag: string) =>
      `'sha256-${createHash('sha256')
        .update(text(els.find((e) => e.tagName === tag)!))
        .digest('base64')}'`;
    expect(csp).toBe(
      `default-src 'none'; style-src ${hash('style')}; script-src ${hash('script')}; img-src 'none'; base-uri 'none'; form-action 'none'`,
    );
    expect(els.filter((e) => e.tagName === 'a')).toEqual([]);
  });

  it('puts root causes first, each with its symptoms under it, in the order of the table, then what could not run, muted and passes', () => {
    const html = page();
    const els = elementsOf(html);
    const headings = els.filter((e) => e.tagName === 'h3').map((e) => text(e));
    expect(headings).toEqual(['Root causes (3)', 'Could not run (1)', 'Muted (1)']);
    // The same causes, in the same order and with the same effective severities as the table.
    const leads = els.filter((e) => attr(e, 'class') === 'cause').map((e) => text(e));
    expect(leads).toEqual([
      'Root cause 1 of 3 · critical with its symptoms · db-sg-allows-nodes/no-ingress: The DB security group admits no TCP 5432 from the nodes. · explains 2 more',
      'Root cause 2 of 3 · high with its symptoms · log-error-patterns/database-connection-refused: Connections to the database are refused.',
      'Root cause 3 of 3 · low with its symptoms · db-size/over-budget: The database is larger than the size threshold.',
    ]);
    const table = renderTable(reports()[0]!);
    const order = ['db-sg-allows-nodes/no-ingress', 'log-error-patterns/', 'db-size/over-budget'];
    expect(order.map((k) => table.indexOf(`root cause ${order.indexOf(k) + 1} of 3  ${k}`))).not.toContain(
      -1,
    );
    const cause = els.find(
      (e) =>
        e.tagName === 'article' && text(e).includes('db-sg-allows-nodes') && text(e).includes('Symptoms'),
    )!;
    const inner = (function collect(n: Node, acc: string[] = []): string[] {
      if ('tagName' in n && n !== cause && n.tagName === 'article') acc.push(attr(n, 'data-severity')!);
      for (const k of 'childNodes' in n ? n.childNodes : []) collect(k, acc);
      return acc;
    })(cause);
    expect(inner).toEqual(['critical', 'critical']);
    expect(text(cause)).toContain('reason no-ingress');
    expect(html.indexOf('Root causes')).toBeLessThan(html.indexOf('Could not run'));
    expect(text(els.find((e) => e.tagName === 'body')!)).toContain(
      `muted until 2026-12-31, by data-team, because nightly ETL ${HOSTILE.script}`,
    );
    expect(html).toContain('severity overridden from medium: small on purpose');
    expect(html).toMatch(/<summary>Passing \(1\)<\/summary>/);
  });

  it('leaves a muted symptom out of its cause, and keeps a muted cause over the failures it explains', () => {
    const [prod] = reports();
    const mute = { until: '2026-12-31', by: 'ops', because: 'accepted' };
    const muteOne = (pred: (f: Finding) => boolean) => ({
      ...prod!,
      findings: prod!.findings.map((f) => (pred(f) ? { ...f, muted: mute } : f)),
    });
    const leads = (r: AuditReport) =>
      elementsOf(toHtml([r], context()))
        .filter((e) => attr(e, 'class') === 'cause')
        .map((e) => text(e));
    // Both critical symptoms muted: the security group is ranked by its own severity, after nothing.
    const quiet = leads(muteOne((f) => f.rootCause !== undefined));
    expect(quiet[0]).toMatch(
      /^Root cause 1 of 3 · high with its symptoms · db-sg-allows-nodes\/no-ingress: [^·]+$/,
    );
    const muted = elementsOf(toHtml([muteOne((f) => f.checkId === 'db-sg-allows-nodes')], context()));
    expect(text(muted.find((e) => attr(e, 'class') === 'cause')!)).toContain('explains 2 more');
    expect(muted.map((e) => text(e)).join('\n')).toContain(
      'muted, but it explains 2 failing findings that are not: its own severity does not count',
    );
  });

  it('offers filters by every severity and group, on cards that carry both', () => {
    const els = elementsOf(page());
    const inputs = (name: string) => els.filter((e) => attr(e, 'name') === name).map((e) => attr(e, 'value'));
    expect(inputs('severity')).toEqual(['critical', 'high', 'medium', 'low', 'info']);
    expect(inputs('group')).toEqual(['infra', 'cluster', 'database', 'coder']);
    const cards = els.filter((e) => e.tagName === 'article');
    expect(cards.length).toBe(7);
    for (const c of cards) {
      expect(attr(c, 'data-severity')).toMatch(/^(critical|high|medium|low|info)$/);
      expect(attr(c, 'data-group')).toMatch(/^(infra|cluster|database|coder)$/);
    }
  });

  it('links the runbook only over http(s)', () => {
    const linked = elementsOf(toHtml(reports(), context({ runbookUrl: 'https://wiki.example.com/runbook' })));
    expect(
      attr(
        linked.find((e) => e.tagName === 'a')!,
        'href',
      ),
    ).toBe('https://wiki.example.com/runbook#database-connection-errors');
    const hostile = elementsOf(toHtml(reports(), context({ runbookUrl: 'javascript:alert(1)//' })));
    expect(hostile.filter((e) => e.tagName === 'a')).toEqual([]);
  });

  it('escapes the five characters that matter', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });
});
