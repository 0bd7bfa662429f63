import { describe, expect, it } from 'vitest';
import { known } from '../../lambdas/audit/fact.js';
import { diagnose } from '../../lambdas/audit/diagnose.js';
import type { Finding } from '../../lambdas/audit/model.js';
import podsPending from '../../lambdas/checks/cluster/pods-pending.js';
import dbLongRunningQueries from '../../lambdas/checks/database/db-long-running-queries.js';
import ec2VcpuQuota from '../../lambdas/checks/infra/ec2-vcpu-quota.js';
import nodegroupCapacity from '../../lambdas/checks/infra/nodegroup-capacity.js';
import { evaluateCheck } from '../../lambdas/audit/runner.js';
import { keyRotation } from '../../lambdas/checks/coder/lib.js';
import {
  nodegroup,
  run as runCluster,
  snapshot as clusterSnapshot,
  withPods,
  wsPod,
} from './cluster/fixtures.js';
import {
  deployment as dbDeployment,
  now as dbNow,
  session,
  snapshot as dbSnapshot,
} from './database/fixtures.js';
import {
  instanceType,
  nodegroup as infraNodegroup,
  run as runInfra,
  snapshot as infraSnapshot,
  vcpuQuota,
} from './infra/fixtures.js';
import { finding } from '../store/fixtures.js';

const CPU =
  "0/8 nodes are available: 2 node(s) didn't match Pod's node affinity/selector, 6 Insufficient cpu. " +
  'preemption: 0/8 nodes are available: 8 Preemption is not helpful for scheduling.';
const failing = (fs: Finding[]) => fs.filter((f) => f.status === 'fail');
const scaling = (f: Finding | undefined) =>
  f?.remediation?.commands.find((c) => c.includes('update-nodegroup-config'));

/** The workspace node group full (20/20), two workspaces pending for CPU, a 180-vCPU quota. */
function fullNodegroup() {
  const scalingConfig = { minSize: 2, maxSize: 20, desiredSize: 20 };
  const pods = [
    wsPod('ws-a', { ageMinutes: 30, unschedulable: CPU }),
    wsPod('ws-b', { ageMinutes: 30, unschedulable: CPU }),
  ];
  const pending = failing(
    runCluster(podsPending, {
      ...withPods('coder-ws', pods, clusterSnapshot()),
      nodegroups: known({ 'coder-prod-ws': nodegroup({ scalingConfig }) }),
    }),
  );
  const infra = infraSnapshot({
    nodegroups: known({
      'coder-prod-system': infraNodegroup('coder-prod-system', {
        instanceTypes: ['m6i.large'],
        scalingConfig: { minSize: 2, maxSize: 4, desiredSize: 2 },
      }),
      'coder-prod-ws': infraNodegroup('coder-prod-ws', { instanceTypes: ['m6i.2xlarge'], scalingConfig }),
    }),
    instanceTypes: known([instanceType('m6i.large', 2), instanceType('m6i.2xlarge', 8)]),
    vcpuQuota: known(vcpuQuota(180)),
  });
  const capacity = failing(runInfra(nodegroupCapacity, infra));
  const quota = failing(runInfra(ec2VcpuQuota, infra));
  return { pending, capacity, quota };
}

describe('Function: diagnose (fixes of one report agree)', () => {
  it('gives nodegroup-capacity and pods-pending one size for the node group (the larger need)', () => {
    const { pending, capacity } = fullNodegroup();
    // Alone, each check sizes the group for its own need: 20 and 22 nodes.
    expect(scaling(capacity[0])).toContain('desiredSize=20');
    expect(scaling(pending[0])).toContain('desiredSize=22');
    const { findings } = diagnose([...capacity, ...pending]);
    const commands = findings.map(scaling);
    expect(commands).toEqual([
      'aws eks update-nodegroup-config --cluster-name coder-prod --nodegroup-name coder-prod-ws --scaling-config minSize=2,maxSize=30,desiredSize=22',
      'aws eks update-nodegroup-config --cluster-name coder-prod --nodegroup-name coder-prod-ws --scaling-config minSize=2,maxSize=30,desiredSize=22',
    ]);
    // The plans behind the commands are consumed: the report keeps text and commands only.
    for (const f of findings) expect(Object.keys(f.remediation!).sort()).toEqual(['commands', 'text']);
  });

  it('asks for the vCPU quota the raised maximum sizes need', () => {
    const { pending, capacity, quota } = fullNodegroup();
    // 4 x 2 + 20 x 8 = 168 vCPUs at 90%: 187; with the workspace group raised to 30: 4 x 2 + 30 x 8 = 248: 276.
    expect(quota[0]!.remediation?.text).toContain('at least 187 vCPUs');
    const { findings } = diagnose([...quota, ...capacity, ...pending]);
    const q = findings.find((f) => f.checkId === 'ec2-vcpu-quota')!;
    expect(q.remediation?.text).toContain('at least 276 vCPUs');
    expect(q.remediation?.commands).toEqual([
      'aws service-quotas request-service-quota-increase --service-code ec2 --quota-code L-1216C47A --desired-value 276',
    ]);
    // Without a resize in the report, the quota request stays as the check computed it.
    expect(diagnose(quota).findings[0]!.remediation?.text).toContain('at least 187 vCPUs');
  });

  it('never runs psql through a coderd that the report finds down', () => {
    const slow = session({ pid: 4242, state: 'active', queryAgeSeconds: 3600 });
    const [query] = failing(
      evaluateCheck(dbLongRunningQueries, dbSnapshot({ sessions: known([slow]) }), dbDeployment, dbNow),
    );
    expect(query!.remediation?.commands[0]).toMatch(/^kubectl exec -it deploy\/coder -n coder -- psql /);
    const up = diagnose([query!]).findings[0]!;
    expect(up.remediation?.commands[0]).toMatch(/^kubectl exec -it deploy\/coder /);
    const down = finding('coderd-ready', 'fail', { reason: 'no-replica-available', severity: 'critical' });
    const fixed = diagnose([query!, down]).findings.find((f) => f.checkId === 'db-long-running-queries')!;
    expect(fixed.remediation?.commands).toEqual([
      "kubectl run coder-audit-psql --rm -it --restart=Never -n coder --image=postgres:16-alpine -- psql -h coder-prod-aurora.cluster-c0de.us-east-1.rds.amazonaws.com -U coder -d coder -c 'SELECT pg_cancel_backend(4242);'",
    ]);
    for (const f of diagnose([query!, down]).findings)
      for (const c of f.remediation?.commands ?? []) expect(c).not.toContain('deploy/coder');
  });

  it('holds back a fix that has no other route than a component the report finds down', () => {
    const d = dbDeployment;
    const expired = finding('provisioner-key-age', 'fail', {
      reason: 'expired',
      remediation: keyRotation(
        { ...d, coder: { ...d.coder!, organization: 'coder' } } as typeof d,
        { id: '1', created_at: '2025-01-01T00:00:00Z', organization: 'o', name: 'coder-prov', tags: {} },
        dbNow,
      ),
    });
    const healthz = finding('coder-healthz', 'fail', {
      reason: 'bad-status',
      severity: 'critical',
      resource: 'https://coder.example.com/healthz',
    });
    const out = diagnose([expired, healthz]).findings.find((f) => f.checkId === 'provisioner-key-age')!;
    expect(out.remediation?.commands).toEqual([]);
    expect(out.remediation?.blockedBy).toBe(healthz.fingerprint);
    expect(out.remediation?.text).toMatch(
      /^Once the Coder API answers again \(this report finds it down: coder-healthz on https:\/\/coder\.example\.com\/healthz\), create coder-prov-/,
    );
    // A slow /healthz is not down: the fix keeps its commands.
    const slow = { ...healthz, reason: 'slow', severity: 'medium' as const };
    const kept = diagnose([expired, slow]).findings.find((f) => f.checkId === 'provisioner-key-age')!;
    expect(kept.remediation?.commands.length).toBeGreaterThan(3);
    expect(kept.remediation).not.toHaveProperty('blockedBy');
  });
});
