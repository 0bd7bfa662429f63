import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { known } from '../../../lambdas/audit/fact.js';
import { runAudit } from '../../../lambdas/audit/runner.js';
import { orgChecked, type Gated } from '../../../lambdas/checks/coder/collector.js';
import { coderGroup } from '../../../lambdas/checks/coder/index.js';
import type { ProvisionerKey } from '../../../lambdas/clients/coder.js';
import { startTwin, type Twin } from '../../sim/coder/twin.js';
import { failed, template } from './fixtures.js';

const notFound: Gated<ProvisionerKey[]> = { available: false, status: 404, message: 'Resource not found' };

describe('Function: orgChecked', () => {
  it('keeps a 404 as "not available" when the same organization answered for its templates', () => {
    expect(orgChecked(notFound, known([template('pod-swdev')]), 'coder')).toBe(notFound);
  });

  it('turns a 404 into an error naming the organization when its templates could not be read', () => {
    expect(() => orgChecked(notFound, failed('Coder templates'), 'acme')).toThrow(
      /organization "acme".*coder\.organization/,
    );
  });

  it('leaves a 403 (no licence) and a successful read alone', () => {
    const forbidden: Gated<ProvisionerKey[]> = { available: false, status: 403, message: 'Premium' };
    expect(orgChecked(forbidden, failed('Coder templates'), 'acme')).toBe(forbidden);
    const ok: Gated<ProvisionerKey[]> = { available: true, value: [] };
    expect(orgChecked(ok, failed('Coder templates'), 'acme')).toBe(ok);
  });
});

describe('Function: collectCoder', () => {
  let twin: Twin;
  beforeAll(async () => {
    twin = await startTwin();
  });
  afterAll(() => twin.stop());

  it('reports a wrong coder.organization as an error of provisioner-key-age, not a Premium skip', async () => {
    await twin.apply();
    const deployment = {
      ...twin.deployment,
      coder: { ...twin.deployment.coder!, organization: 'no-such-org' },
    };
    const report = await runAudit({
      deployment,
      groups: [coderGroup as never],
      aws: twin.aws,
      calls: twin.calls,
    });
    const keys = report.findings.filter((f) => f.checkId === 'provisioner-key-age');
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ status: 'error' });
    expect(keys[0]!.detail).toContain('organization "no-such-org"');
  });
});
