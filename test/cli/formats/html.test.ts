import { createHash } from 'node:crypto';
import { parse, type DefaultTreeAdapterMap } from 'parse5';
import { describe, expect, it } from 'vitest';
import { escapeHtml, toHtml } from '../../../cli/formats/html.js';
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

  it('puts root causes first, each with its symptoms under it, then the other problems, muted and passes', () => {
    const html = page();
    const els = elementsOf(html);
    const headings = els.filter((e) => e.tagName === 'h3').map((e) => text(e));
    expect(headings).toEqual(['Root causes (1)', 'Other problems (3)', 'Muted (1)']);
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
    expect(html.indexOf('Root causes')).toBeLessThan(html.indexOf('Other problems'));
    expect(text(els.find((e) => e.tagName === 'body')!)).toContain(
      `muted until 2026-12-31, by data-team, because nightly ETL ${HOSTILE.script}`,
    );
    expect(html).toContain('severity overridden from medium: small on purpose');
    expect(html).toMatch(/<summary>Passing \(1\)<\/summary>/);
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
