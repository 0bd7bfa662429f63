import { describe, expect, it } from 'vitest';
import { known } from '../../../lambdas/audit/fact.js';
import { evaluateCheck } from '../../../lambdas/audit/runner.js';
import check from '../../../lambdas/checks/coder/provisioner-queue.js';
import type { ProvisionerDaemon } from '../../../lambdas/clients/coder.js';
import type { ProvisionerJob } from '../../../lambdas/clients/coder-workloads.js';
import { ago, coderDeployment, coderSnapshot, daemon, failed, job, minutesAgo, NOW } from './fixtures.js';

const pending = (minutes: number, over: Partial<ProvisionerJob> = {}): ProvisionerJob =>
  job({
    id: `job-${minutes}`,
    status: 'pending',
    created_at: minutesAgo(minutes),
    started_at: null,
    completed_at: null,
    queue_position: 1,
    queue_size: 1,
    type: 'workspace_build',
    available_workers: ['id-prov-a', 'id-prov-b'],
    metadata: { template_name: 'pod-swdev', template_version_name: 'v1', workspace_name: `ws-${minutes}` },
    ...over,
  });
const run = (
  jobs: ProvisionerJob[],
  daemons?: ProvisionerDaemon[],
  over: Parameters<typeof coderSnapshot>[0] = {},
) =>
  evaluateCheck(
    check,
    coderSnapshot({
      pendingJobs: known(jobs),
      ...(daemons ? { daemons: known({ available: true, value: daemons }) } : {}),
      ...over,
    }),
    coderDeployment(),
    NOW,
  );
const offline = { status: 'offline' as const, last_seen_at: ago(7_200_000) };

describe('Check: provisioner-queue', () => {
  it('Compliance', () => {
    const [f, ...rest] = run([pending(2)]);
    expect(rest).toHaveLength(0);
    expect(f).toMatchObject({ status: 'pass', evidence: { queueSize: 1, idleDaemons: 1, busyDaemons: 1 } });
  });

  it('Noncompliance 1: tags no daemon serves (no available worker)', () => {
    const [f] = run([
      pending(8, { available_workers: [], tags: { scope: 'organization', owner: '', gpu: 'true' } }),
    ]);
    expect(f).toMatchObject({
      status: 'fail',
      reason: 'tag-mismatch',
      severity: 'high',
      scope: { component: 'provisioner', namespace: 'coder-prov' },
      evidence: {
        tags: ['gpu=true,scope=organization'],
        jobs: [{ job: 'workspace ws-8', waitingMinutes: 8 }],
      },
    });
    expect(f!.remediation!.text).toContain('gpu=true,scope=organization');
    expect(f!.remediation!.otherwise!.commands[0]).toContain('CODER_PROVISIONER_DAEMON_TAGS');
  });

  it('Noncompliance 2: matching daemons all offline, all busy, or idle and not taking the job', () => {
    expect(run([pending(8)], [daemon('prov-a', offline), daemon('prov-b', offline)])[0]!.reason).toBe(
      'workers-offline',
    );
    const busy = run(
      [pending(8), pending(9)],
      [daemon('prov-a', { status: 'busy' }), daemon('prov-b', { status: 'busy' })],
    );
    expect(busy).toHaveLength(1);
    expect(busy[0]).toMatchObject({
      reason: 'saturated',
      severity: 'medium',
      evidence: { idleDaemons: 0, busyDaemons: 2 },
    });
    expect(busy[0]!.remediation!.text).toContain('replicaCount to at least 4');
    expect(run([pending(8)])[0]).toMatchObject({ reason: 'stalled', severity: 'high' });
  });

  it('reports each reason once, for template imports too', () => {
    const findings = run([
      pending(8, { available_workers: [] }),
      pending(12, {
        available_workers: [],
        type: 'template_version_import',
        metadata: { template_name: 'pod-swdev', template_version_name: 'v2' },
      }),
      pending(9),
    ]);
    expect(findings.map((f) => f.reason)).toEqual(['tag-mismatch', 'stalled']);
    expect((findings[0]!.evidence.jobs as Array<{ job: string }>).map((j) => j.job)).toEqual([
      'workspace ws-8',
      'template pod-swdev',
    ]);
  });

  it('Skipped (role-gap) when the token cannot read provisioner jobs; error when a fact is missing', () => {
    const auditor = {
      access: known({ username: 'coder-auditor', siteRoles: ['template-admin'], orgRoles: [] }),
    };
    expect(run([], undefined, auditor)[0]).toMatchObject({
      status: 'skipped',
      reason: 'role-gap',
      detail: expect.stringMatching(/cannot read the provisioner jobs of the organization/),
    });
    // The daemons answered 404 although the roles should read them: an error, never a pass.
    const hidden = {
      daemons: known({ available: false as const, status: 404, message: 'Resource not found' }),
    };
    expect(run([], undefined, hidden)[0]!.status).toBe('error');
    expect(run([], undefined, { pendingJobs: failed('Coder pending provisioner jobs') })[0]!.status).toBe(
      'error',
    );
    expect(run([], undefined, { daemons: failed('Coder provisioner daemons') })[0]!.status).toBe('error');
  });
});
