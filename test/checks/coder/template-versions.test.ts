import { describe, expect, it } from 'vitest';
import { known } from '../../../lambdas/audit/fact.js';
import { evaluateCheck } from '../../../lambdas/audit/runner.js';
import check from '../../../lambdas/checks/coder/template-versions.js';
import type { TemplateVersion } from '../../../lambdas/clients/coder-workloads.js';
import { coderDeployment, coderSnapshot, failed, NOW, version } from './fixtures.js';

const run = (pod: TemplateVersion[], over: Parameters<typeof coderSnapshot>[0] = {}) =>
  evaluateCheck(
    check,
    coderSnapshot({
      templateVersions: { 'kubernetes-devcontainer': known([version('v1', 4320)]), 'pod-swdev': known(pod) },
      ...over,
    }),
    coderDeployment(),
    NOW,
  );
const failedImport = (name: string, age: number) =>
  version(name, age, { status: 'failed', error: 'terraform plan: exit status 1', completed_at: null });
const pod = (findings: ReturnType<typeof run>) => findings.find((f) => f.resource.endsWith('/pod-swdev'))!;

describe('Check: template-versions', () => {
  it('Compliance', () => {
    const findings = run([version('v1', 4320)]);
    expect(findings.map((f) => f.status)).toEqual(['pass', 'pass']);
    // An older failed attempt, superseded by the active version, is history.
    expect(pod(run([failedImport('v0', 9000), version('v1', 4320)])).status).toBe('pass');
    // A newer version that imported but is not promoted yet is not a failure.
    expect(pod(run([version('v1', 4320), version('v2', 30)])).status).toBe('pass');
  });

  it('Noncompliance 1: the newest version failed on a contract check, named from its import log', () => {
    const v2 = failedImport('v2', 45);
    const jobLogs = {
      [v2.id]: known([
        'Error: Resource precondition failed',
        'contract: toolchain swdev-toolchain requires capability "docker-in-docker", which base k8s-pod does not provide',
      ]),
    };
    const f = pod(run([version('v1', 4320), v2], { jobLogs }));
    expect(f).toMatchObject({
      status: 'fail',
      reason: 'contract',
      severity: 'medium',
      guideSection: 'Contract Validation Failures',
      evidence: { version: 'v2', active: 'v1', error: 'terraform plan: exit status 1' },
    });
    expect(f.detail).toContain('users still get "v1"');
    expect(f.detail).toContain('requires capability');
    expect(f.remediation!.otherwise!.commands).toContain(
      './terraform/modules/coder/template-architecture/ci-cd/scripts/contract-check.sh',
    );
  });

  it('Noncompliance 2: other import failures belong to "Template Not Appearing in Coder"', () => {
    const v2 = failedImport('v2', 45);
    const f = pod(
      run([version('v1', 4320), v2], { jobLogs: { [v2.id]: known(['Error: Unsupported argument']) } }),
    );
    expect(f).toMatchObject({ reason: 'import-failed', guideSection: 'Template Not Appearing in Coder' });
    const vars = version('v3', 10, {
      status: 'failed',
      error: 'required template variables',
      error_code: 'REQUIRED_TEMPLATE_VARIABLES',
    });
    expect(pod(run([version('v1', 4320), vars])).reason).toBe('missing-variables');
  });

  it('Noncompliance 3: an import waiting past the threshold, and an active version without a successful import', () => {
    const stuck = version('v2', 12, { status: 'pending', started_at: null, completed_at: null });
    expect(pod(run([version('v1', 4320), stuck]))).toMatchObject({ reason: 'import-stuck' });
    const young = version('v2', 2, { status: 'pending', started_at: null, completed_at: null });
    expect(pod(run([version('v1', 4320), young])).status).toBe('pass');
    const broken = version('v1', 4320, { status: 'failed' });
    expect(pod(run([broken]))).toMatchObject({ reason: 'active-not-imported', severity: 'high' });
  });

  it('Error when the versions of a template could not be read', () => {
    expect(
      pod(run([], { templateVersions: { 'pod-swdev': failed('versions of template pod-swdev') } })).status,
    ).toBe('error');
    expect(run([], { templates: failed('Coder templates') })[0]!.status).toBe('error');
  });
});
