import type { CoreV1Event } from '../../../lambdas/clients/kube-types.js';
import { describe, expect, it } from 'vitest';
import { known } from '../../../lambdas/audit/fact.js';
import { evaluateCheck } from '../../../lambdas/audit/runner.js';
import check from '../../../lambdas/checks/cluster/pvc-provisioning.js';
import { ago, deploymentConfig, failed, NOW, snapshot } from './fixtures.js';

const QUOTA =
  'failed to provision volume with StorageClass "gp3": rpc error: code = Internal desc = Could not create volume ' +
  '"pvc-1": could not create volume in EC2: operation error EC2: CreateVolume, api error VolumeLimitExceeded: ' +
  'You have exceeded your maximum gp3 storage limit of 50 TiB in this region.';
const event = (
  reason: string,
  message: string,
  minutesAgo = 2,
  kind = 'PersistentVolumeClaim',
): CoreV1Event => ({
  metadata: { name: `${reason}.1`, namespace: 'coder-ws' },
  involvedObject: { kind, name: `obj-${reason}-${minutesAgo}` },
  reason,
  message,
  type: 'Warning',
  count: 3,
  lastTimestamp: ago(minutesAgo),
});
const run = (events: CoreV1Event[] | ReturnType<typeof failed<CoreV1Event[]>>) =>
  evaluateCheck(
    check,
    snapshot({ volumeEvents: Array.isArray(events) ? known(events) : events }),
    deploymentConfig(),
    NOW,
  );

describe('Check: pvc-provisioning', () => {
  it('Compliance', () => {
    const findings = run([
      event('FailedScheduling', '0/8 nodes are available: 6 Insufficient cpu.', 1, 'Pod'),
      event('ProvisioningFailed', QUOTA, 120), // outside the window
    ]);
    expect(findings.map((f) => f.status)).toEqual(['pass']);
  });

  it('Noncompliance 1: the EBS quota named from CreateVolume VolumeLimitExceeded', () => {
    const [f] = run([event('ProvisioningFailed', QUOTA)]);
    expect(f).toMatchObject({
      status: 'fail',
      reason: 'ebs-quota',
      severity: 'high',
      scope: { namespace: 'coder-ws', component: 'workspace' },
      evidence: { objects: ['PersistentVolumeClaim/obj-ProvisioningFailed-2'], count: 1 },
    });
    expect(f!.remediation!.commands.at(-1)).toContain(
      'aws service-quotas list-service-quotas --service-code ebs',
    );
  });

  it('Noncompliance 2: other provisioning failures and attach failures, one finding each', () => {
    const findings = run([
      event(
        'ProvisioningFailed',
        'failed to provision volume with StorageClass "gp3": storageclass.storage.k8s.io "gp3" not found',
      ),
      event(
        'FailedAttachVolume',
        'AttachVolume.Attach failed for volume "pvc-2" : rpc error: code = Internal desc = Could not attach volume',
        3,
        'Pod',
      ),
    ]);
    expect(findings.map((f) => [f.reason, f.severity])).toEqual([
      ['provisioning-failed', 'high'],
      ['attach-failed', 'medium'],
    ]);
  });

  it('Error when the events could not be read', () => {
    expect(run(failed('kubernetes warning events coder-ws'))[0]!.status).toBe('error');
  });
});
