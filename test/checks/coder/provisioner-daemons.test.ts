import { describe, expect, it } from 'vitest';
import { known } from '../../../lambdas/audit/fact.js';
import { evaluateCheck } from '../../../lambdas/audit/runner.js';
import check from '../../../lambdas/checks/coder/provisioner-daemons.js';
import type { ProvisionerDaemon } from '../../../lambdas/clients/coder.js';
import { DAEMON_PAGE } from '../../../lambdas/checks/coder/lib.js';
import { access, ago, coderDeployment, coderSnapshot, daemon, failed, NOW } from './fixtures.js';

const run = (daemons: ProvisionerDaemon[], over: Parameters<typeof coderSnapshot>[0] = {}) =>
  evaluateCheck(
    check,
    coderSnapshot({ daemons: known({ available: true, value: daemons }), ...over }),
    coderDeployment(),
    NOW,
  );
const HOURS_2 = 2 * 3_600_000;

describe('Check: provisioner-daemons', () => {
  it('Compliance', () => {
    const findings = run([
      daemon('prov-a'),
      daemon('prov-b', { status: 'busy' }),
      daemon('old', { status: 'offline', last_seen_at: ago(HOURS_2) }),
    ]);
    expect(findings.map((f) => f.status)).toEqual(['pass', 'pass', 'pass']);
    expect(findings[0]).toMatchObject({ evidence: { online: ['prov-a', 'prov-b'] } });
  });

  it('Noncompliance 1: every daemon offline', () => {
    const findings = run([
      daemon('prov-a', { status: 'offline', last_seen_at: ago(HOURS_2) }),
      daemon('prov-b', { status: 'offline', last_seen_at: ago(HOURS_2) }),
    ]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      status: 'fail',
      severity: 'high',
      evidence: {
        offline: [
          { name: 'prov-a', lastSeenMinutesAgo: 120 },
          { name: 'prov-b', lastSeenMinutesAgo: 120 },
        ],
      },
    });
    expect(findings[0]!.remediation!.commands[0]).toBe(
      'kubectl get pods -n coder-prov -l app.kubernetes.io/name=coder-provisioner',
    );
  });

  it('Noncompliance 2: no daemon at all', () => {
    expect(run([])[0]).toMatchObject({ status: 'fail', severity: 'high' });
  });

  it('Noncompliance 3: major.minor skew with coderd', () => {
    const findings = run([
      daemon('prov-a', { version: 'v2.23.4' }),
      daemon('prov-b', { version: 'v2.24.0' }),
    ]);
    const skew = findings.filter((f) => f.status === 'fail');
    expect(skew).toHaveLength(1);
    expect(skew[0]).toMatchObject({
      severity: 'medium',
      reason: 'version-skew',
      resource: 'coder:coder/provisionerdaemons/coder',
      evidence: { daemons: [{ daemon: 'prov-a', daemonVersion: 'v2.23.4' }] },
    });
    // Several skewed daemons are one finding: one upgrade of the provisioner release fixes them all.
    const both = run([daemon('prov-a', { version: 'v2.23.4' }), daemon('prov-b', { version: 'v2.22.0' })]);
    expect(both.filter((f) => f.status === 'fail')).toHaveLength(1);
  });

  it('Noncompliance 4: an old server without status uses last_seen_at', () => {
    const findings = run([daemon('prov-a', { status: undefined, last_seen_at: ago(HOURS_2) })]);
    expect(findings[0]).toMatchObject({ status: 'fail' });
  });

  it('keeps the availability result and errors the skew part when build info is unreadable', () => {
    const findings = run([daemon('prov-a')], { buildInfo: failed('Coder build info') });
    expect(findings.map((f) => f.status)).toEqual(['pass', 'error']);
  });

  it('Noncompliance 5: a role that cannot list daemons (404) is skipped, never a pass or a failure', () => {
    const notFound = known({ available: false as const, status: 404, message: 'Resource not found' });
    const [f] = run([], { daemons: notFound, access: known(access(['auditor'])) });
    expect(f).toMatchObject({ status: 'skipped', severity: 'info', evidence: { roles: 'Auditor' } });
    expect(f!.detail).toMatch(
      /cannot read the provisioner daemons; coder-token-role says which role to grant/,
    );
    // An Owner should have read them: the 404 is an error, not a skip.
    const [owner] = run([], { daemons: notFound });
    expect(owner).toMatchObject({ status: 'error', detail: expect.stringMatching(/should allow it/) });
  });

  it('Noncompliance 6: a full page of offline rows is not conclusive (older rows unread): error', () => {
    const old = Array.from({ length: DAEMON_PAGE }, (_, i) =>
      daemon(`gone-${i}`, { status: 'offline', last_seen_at: ago(HOURS_2) }),
    );
    const [f] = run(old);
    expect(f).toMatchObject({ status: 'error', evidence: { partial: true, read: DAEMON_PAGE } });
    expect(f!.evidence.offline).toHaveLength(20);
    const withLive = run([daemon('live'), ...old.slice(1)]);
    expect(withLive[0]).toMatchObject({
      status: 'pass',
      detail: expect.stringMatching(/more exist, not read/),
    });
  });

  it('errors when the daemons could not be read', () => {
    const snap = coderSnapshot({ daemons: failed('Coder provisioner daemons') });
    expect(evaluateCheck(check, snap, coderDeployment(), NOW)[0]).toMatchObject({ status: 'error' });
  });
});
