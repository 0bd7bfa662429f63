import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogueMarkdown } from '../../bin/coder-audit.js';
import { configJsonSchema } from '../../lambdas/audit/config.js';
import { GuideSection } from '../../lambdas/audit/guide.js';
import { allChecks } from '../../lambdas/checks/index.js';

const root = join(import.meta.dirname, '../..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const runbook = readFileSync(join(root, 'docs/coder-troubleshooting-guide.md'), 'utf8');

describe('Docs', () => {
  it('README check catalogue matches the registry', () => {
    const start = readme.indexOf('<!-- catalogue:start -->');
    const end = readme.indexOf('<!-- catalogue:end -->');
    expect(start, 'README has catalogue markers').toBeGreaterThan(0);
    expect(readme.slice(start + '<!-- catalogue:start -->'.length, end).trim()).toBe(
      catalogueMarkdown().trim(),
    );
  });

  it('the published JSON Schema is the one the code validates with (npm run schema)', () => {
    const published: unknown = JSON.parse(readFileSync(join(root, 'config.schema.json'), 'utf8'));
    expect(published).toEqual(JSON.parse(JSON.stringify(configJsonSchema())));
  });

  it('README quick start gives the demo and test commands', () => {
    expect(readme).toContain('npm ci && npm run demo');
    expect(readme).toContain('npm test');
  });

  it('every runbook section a check cites is a heading of the runbook', () => {
    const headings = new Set([...runbook.matchAll(/^#{2,4} (.+)$/gm)].map((m) => m[1]!.trim()));
    for (const s of Object.values(GuideSection)) expect(headings, s).toContain(s);
  });

  it('every check cites a runbook section and has a one-sentence description', () => {
    for (const c of allChecks()) {
      expect(Object.values(GuideSection), c.meta.id).toContain(c.meta.guideSection);
      expect(c.meta.description.length, c.meta.id).toBeGreaterThan(10);
    }
  });
});
