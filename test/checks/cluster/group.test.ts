import { DescribeClusterCommand, DescribeNodegroupCommand } from '@aws-sdk/client-eks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGroup } from '../../../lambdas/audit/runner.js';
import { LOG_TAIL_LINES, collectCluster } from '../../../lambdas/checks/cluster/collector.js';
import { clusterGroup } from '../../../lambdas/checks/cluster/index.js';
import clusterDns from '../../../lambdas/checks/cluster/cluster-dns.js';
import coderdResources from '../../../lambdas/checks/cluster/coderd-resources.js';
import logErrorPatterns from '../../../lambdas/checks/cluster/log-error-patterns.js';
import { viewEntry } from '../../../lambdas/audit/access-entries.js';
import { loadScenario } from '../../../sim/scenario.js';
import { startHarness, type Harness } from './harness.js';

const CLUSTER_IDS = new Set(clusterGroup.checks.map((c) => c.meta.id));
const SCENARIOS = [
  'healthy',
  'pods-pending-insufficient-cpu',
  'taint-not-tolerated',
  'coderd-crashloop',
  'missing-db-secret',
  'image-pull-backoff',
  'oidc-missing-groups-scope',
];

describe('Group: cluster (Kubernetes twin + mocked EKS)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('healthy');
  });
  afterAll(async () => h.stop());

  it.each(SCENARIOS)('scenario %s fails exactly its expected cluster checks', async (name) => {
    const scenario = loadScenario(name);
    await h.kube.apply(scenario, new Date());
    const ctx = h.context();
    const findings = await runGroup(clusterGroup, clusterGroup.checks, ctx);
    const failing = [...new Set(findings.filter((f) => f.status !== 'pass').map((f) => f.checkId))].sort();
    const expected = scenario.expect.failing.filter((id) => CLUSTER_IDS.has(id)).sort();
    expect(failing).toEqual(expected);
    expect(findings.every((f) => f.status !== 'error')).toBe(true);
    // Every check produced at least one result.
    expect(new Set(findings.map((f) => f.checkId))).toEqual(CLUSTER_IDS);
  });

  it('shares DescribeCluster and DescribeNodegroup with the other groups under the ctx.once keys', async () => {
    await h.kube.apply(loadScenario('healthy'), new Date());
    h.eks.resetHistory();
    const ctx = h.context();
    await collectCluster(ctx);
    const name = h.deployment.eks.clusterName;
    const notShared = () => Promise.reject(new Error('not in the per-audit memo'));
    await expect(ctx.once(`eks:DescribeCluster:${name}`, notShared)).resolves.toMatchObject({
      cluster: { name },
    });
    await expect(ctx.once(`eks:DescribeNodegroup:${name}/coder-prod-ws`, notShared)).resolves.toMatchObject({
      nodegroup: { nodegroupName: 'coder-prod-ws' },
    });
    expect(h.eks.commandCalls(DescribeClusterCommand)).toHaveLength(1);
    expect(h.eks.commandCalls(DescribeNodegroupCommand)).toHaveLength(h.deployment.eks.nodegroups.length);
  });

  it('reads each resource once, in a chain of at most 3 dependent calls', async () => {
    await h.kube.apply(loadScenario('healthy'), new Date());
    const ctx = h.context();
    await runGroup(clusterGroup, clusterGroup.checks, ctx);
    const s = ctx.calls.summary();
    expect(s.duplicates).toEqual([]);
    expect(s.byOperation).toEqual({
      'kubernetes:listNamespacedDeployment': 1,
      // FailedScheduling events, and the warning events (volume provisioning and attach failures).
      'kubernetes:listNamespacedEvent': 2,
      'kubernetes:listNamespacedPod': 3,
      'kubernetes:readNamespacedPodLog': 4,
      // The CoreDNS deployment, by name: all a Role with resourceNames lets the auditor read in kube-system.
      'kubernetes:readNamespacedDeployment': 1,
      // What kubectl top pods reads, for coderd's headroom.
      'kubernetes:listNamespacedPodMetrics': 1,
    });
    expect(s.maxDepth).toBeLessThanOrEqual(3);
  });

  it('reads the DNS deployment and the coderd pod metrics through the Roles of the auditor group only', async () => {
    await h.kube.apply(loadScenario('healthy'), new Date());
    const [dns, headroom] = await runGroup(clusterGroup, [clusterDns, coderdResources], h.context());
    expect(dns).toMatchObject({ status: 'pass', evidence: { desired: 2, available: 2 } });
    expect(headroom).toMatchObject({ status: 'pass' });
    // Without the Roles (or the group on the entry), AmazonEKSViewPolicy reads neither: errors, never passes.
    const scenario = loadScenario('healthy');
    const k8s = scenario.kubernetes as Record<string, unknown>;
    await h.kube.apply({ ...scenario, kubernetes: { ...k8s, roleGrants: [] } }, new Date());
    const [denied, blind] = await runGroup(clusterGroup, [clusterDns, coderdResources], h.context());
    expect(denied).toMatchObject({ status: 'error' });
    expect(denied!.detail).toMatch(/cannot get deployment coredns in kube-system.*403/);
    expect(blind).toMatchObject({ status: 'error' });
    expect(blind!.detail).toMatch(/cannot list pods\.metrics\.k8s\.io in coder.*403.*Role/);
  });

  it('a busy coderd: the log read keeps the most recent lines (tailLines) and says it was truncated', async () => {
    const base = loadScenario('healthy');
    const pod = 'coder/coder-6f7d9c8b5-k2x8m';
    // 7000 lines (~650 KB) in the window, then the most recent one: a database error.
    const busy = Array.from({ length: 7000 }, (_, i) => ({
      ageMinutes: 50 - i * 0.007,
      line: `{"level":"info","logger":"coderd.http","msg":"request served","path":"/api/v2/workspaces","n":${i}}`,
    }));
    const error = {
      ageMinutes: 0.5,
      line: '{"level":"error","msg":"ping postgres","error":"connection refused"}',
    };
    const k8s = base.kubernetes as { logs: Record<string, unknown[]> };
    const scenario = { ...base, kubernetes: { ...k8s, logs: { ...k8s.logs, [pod]: [...busy, error] } } };
    await h.kube.apply(scenario, new Date());
    const findings = await runGroup(clusterGroup, [logErrorPatterns], h.context());
    const f = findings.find((x) => x.status === 'fail');
    expect(f).toMatchObject({
      resource: 'k8s:logs/database-connection-refused',
      evidence: { count: 1, truncated: true },
    });
    expect(f!.detail).toContain(
      `coder-6f7d9c8b5-k2x8m read in part: at most the last ${LOG_TAIL_LINES} lines`,
    );
    const snap = await collectCluster(h.context());
    const logs = snap.logs.ok ? snap.logs.value : [];
    const coderA = logs.find((l) => l.pod === 'coder-6f7d9c8b5-k2x8m');
    expect(coderA).toMatchObject({ truncated: true });
    expect(coderA!.text!.trimEnd().split('\n')).toHaveLength(LOG_TAIL_LINES);
    expect(logs.find((l) => l.pod === 'coder-6f7d9c8b5-p9w4t')?.truncated).toBeUndefined();
  });

  it('a forbidden namespace becomes error findings, never a pass', async () => {
    await h.kube.apply(loadScenario('healthy'), new Date());
    const ctx = h.context();
    const findings = await runGroup(clusterGroup, clusterGroup.checks, {
      ...ctx,
      deployment: {
        ...ctx.deployment,
        namespaces: { ...ctx.deployment.namespaces, workspaces: 'kube-system' },
      },
    });
    const pending = findings.filter((f) => f.checkId === 'pods-pending');
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ status: 'error' });
    expect(pending[0]!.detail).toContain('403 Forbidden');
  });

  it('an access entry scoped to coder and coder-prov: the workspace reads error with the words of the API server', async () => {
    const healthy = loadScenario('healthy');
    const user = h.env.iam.userArn;
    await h.kube.apply(
      {
        ...healthy,
        kubernetes: { ...healthy.kubernetes, accessEntries: [viewEntry(user, ['coder', 'coder-prov'])] },
      },
      new Date(),
    );
    try {
      const findings = await runGroup(clusterGroup, clusterGroup.checks, h.context());
      const pending = findings.filter((f) => f.checkId === 'pods-pending');
      expect(pending).toEqual([expect.objectContaining({ status: 'error' })]);
      expect(pending[0]!.detail).toContain(
        `pods is forbidden: User "${user}" cannot list resource "pods" in API group "" in the namespace "coder-ws"`,
      );
      // What the entry covers is still read: coderd is judged, not errored.
      expect(findings.find((f) => f.checkId === 'coderd-ready')?.status).toBe('pass');
    } finally {
      await h.kube.apply(healthy, new Date());
    }
  });

  it('a hanging API server yields error findings within the group deadline', async () => {
    await h.kube.apply(loadScenario('healthy'), new Date());
    h.env.faults.set([
      { service: 'kubernetes', operation: 'listNamespacedPod', kind: 'hang', ms: 0, rate: 1 },
    ]);
    try {
      const findings = await runGroup(clusterGroup, clusterGroup.checks, h.context());
      const byCheck = new Map(findings.map((f) => [f.checkId, f.status]));
      expect(byCheck.get('pods-pending')).toBe('error');
      expect(byCheck.get('coderd-ready')).toBe('error');
      expect(byCheck.get('log-error-patterns')).toBe('error');
      expect(byCheck.get('oidc-config')).toBe('pass'); // the deployment list still answered
    } finally {
      h.env.faults.set([]);
    }
  });
});
