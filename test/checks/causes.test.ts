import { describe, expect, it } from 'vitest';
import type { FindingPattern } from '../../lambdas/audit/causality.js';
import { diagnose } from '../../lambdas/audit/diagnose.js';
import { SCOPE_KEYS, SKIP_REASONS, type Finding } from '../../lambdas/audit/model.js';
import { CAUSAL_GRAPH, DOWN_WHEN } from '../../lambdas/checks/causes.js';
import { allMeta, metaOf } from '../../lambdas/checks/meta.js';
import { finding } from '../store/fixtures.js';

const patterns = (): Array<[string, FindingPattern]> => [
  ...CAUSAL_GRAPH.flatMap((l) =>
    [...l.causes, ...l.symptoms].map((p): [string, FindingPattern] => [l.because, p]),
  ),
  ...Object.entries(DOWN_WHEN).flatMap(([c, ps]) =>
    ps.map((p): [string, FindingPattern] => [`down: ${c}`, p]),
  ),
];

/**
 * `<check>/<reason>` nodes of the graph: every reason a pattern matches (all of them when it names none);
 * `<check>/skipped:<reason>` for the skipped findings a pattern matches.
 */
const nodes = (p: FindingPattern) =>
  p.status === 'skipped'
    ? (p.reasons ?? SKIP_REASONS).map((r) => `${p.check}/skipped:${r}`)
    : (p.reasons ?? Object.keys(metaOf(p.check)?.reasons ?? {})).map((r) => `${p.check}/${r}`);

describe('Constant: CAUSAL_GRAPH', () => {
  it('names only existing checks and their declared reasons', () => {
    for (const [because, p] of patterns()) {
      const meta = metaOf(p.check);
      expect(meta, `${because}: ${p.check}`).toBeDefined();
      for (const r of p.reasons ?? []) {
        if (p.status === 'skipped') expect(SKIP_REASONS, `${because}: ${p.check} skipped: ${r}`).toContain(r);
        else expect(meta!.reasons, `${because}: ${p.check}/${r}`).toHaveProperty([r]);
      }
      if (p.reasons) expect(p.reasons.length, because).toBeGreaterThan(0);
    }
  });

  it('names skipped findings only as symptoms: what could not be read explains nothing', () => {
    for (const link of CAUSAL_GRAPH) {
      expect(
        link.causes.filter((p) => p.status !== undefined),
        link.because,
      ).toEqual([]);
    }
    for (const [down, patterns] of Object.entries(DOWN_WHEN))
      expect(
        patterns.filter((p) => p.status !== undefined),
        down,
      ).toEqual([]);
  });

  it('no check declares a skip reason as a reason of its failures', () => {
    for (const m of allMeta()) for (const r of SKIP_REASONS) expect(m.reasons, m.id).not.toHaveProperty([r]);
  });

  it('compares and filters only known scope keys, and says why each link holds', () => {
    for (const link of CAUSAL_GRAPH) {
      expect(link.because.length, JSON.stringify(link.causes)).toBeGreaterThan(20);
      for (const key of link.same ?? []) expect(SCOPE_KEYS).toContain(key);
      for (const p of [...link.causes, ...link.symptoms])
        for (const key of Object.keys(p.where ?? {})) expect(SCOPE_KEYS).toContain(key);
    }
  });

  it('reads no text: it is plain data (no pattern, no function)', () => {
    const json = JSON.stringify(CAUSAL_GRAPH);
    expect(JSON.parse(json)).toEqual(CAUSAL_GRAPH);
    expect(json).not.toMatch(/title|detail|evidence|RegExp/i);
  });

  it('has no cycle between {check, reason} nodes', () => {
    const edges = new Map<string, Set<string>>();
    for (const l of CAUSAL_GRAPH)
      for (const c of l.causes.flatMap(nodes))
        for (const s of l.symptoms.flatMap(nodes)) edges.set(c, new Set([...(edges.get(c) ?? []), s]));
    const done = new Set<string>();
    const visit = (n: string, path: string[]): void => {
      expect(path, `cycle through ${n}`).not.toContain(n);
      if (done.has(n)) return;
      for (const next of edges.get(n) ?? []) visit(next, [...path, n]);
      done.add(n);
    };
    for (const n of edges.keys()) visit(n, []);
  });

  it('covers the chains of the runbook', () => {
    const linked = (cause: string, symptom: string) =>
      CAUSAL_GRAPH.some(
        (l) => l.causes.flatMap(nodes).includes(cause) && l.symptoms.flatMap(nodes).includes(symptom),
      );
    const chains = [
      ['ec2-vcpu-quota/exceeded', 'nodegroup-health/vcpu-limit-exceeded'],
      ['nodegroup-health/vcpu-limit-exceeded', 'pods-pending/insufficient-resources'],
      ['nodegroup-capacity/at-max', 'pods-pending/insufficient-resources'],
      ['pods-pending/insufficient-resources', 'coderd-ready/unschedulable'],
      ['pods-pending/insufficient-resources', 'provisioners-ready/unschedulable'],
      ['coderd-ready/no-replica-available', 'nlb-targets-healthy/none-healthy'],
      ['nlb-targets-healthy/none-healthy', 'coder-healthz/bad-status'],
      ['db-sg-allows-nodes/no-ingress', 'log-error-patterns/database-connection-refused'],
      ['db-sg-allows-nodes/no-ingress', 'coderd-ready/crash-loop'],
      ['db-sg-allows-nodes/no-ingress', 'coder-health-report/EDB01'],
      ['aurora-cluster-available/writer-unavailable', 'coderd-ready/crash-loop'],
      ['aurora-cluster-available/cluster-unavailable', 'coder-health-report/EDB01'],
      ['db-connections-usage/saturated', 'log-error-patterns/too-many-clients'],
      ['db-connections-usage/saturated', 'coder-health-report/EDB02'],
      ['pods-config-errors/missing-secret', 'coderd-ready/container-blocked'],
      ['vpc-endpoints-available/missing', 'pods-config-errors/image-pull'],
      ['provisioner-key-age/expired', 'provisioners-ready/crash-loop'],
      ['provisioner-key-age/expired', 'log-error-patterns/token-expired'],
      ['provisioners-ready/crash-loop', 'provisioner-daemons/none-online'],
      ['provisioner-daemons/none-online', 'coder-health-report/EPD01'],
      ['provisioner-daemons/version-skew', 'coder-health-report/EPD02'],
      ['oidc-discovery/issuer-mismatch', 'log-error-patterns/oidc-callback-failed'],
      ['aurora-cluster-available/writer-unavailable', 'aurora-recent-events/failover'],
      ['coder-healthz/bad-status', 'coder-health-report/EACS03'],
      ['coder-token-role/role-missing', 'provisioner-daemons/skipped:role-gap'],
      ['coder-token-role/no-health-report', 'coder-health-report/skipped:role-gap'],
      ['ec2-vcpu-quota/exceeded', 'workspace-builds/quota-exceeded'],
      ['provisioner-daemons/none-online', 'workspace-builds/stuck-pending'],
      ['provisioner-daemons/none-online', 'workspace-builds/no-provisioner'],
      ['provisioner-daemons/none-online', 'provisioner-queue/workers-offline'],
      ['provisioner-queue/tag-mismatch', 'workspace-builds/stuck-pending'],
      ['provisioner-queue/stalled', 'template-versions/import-stuck'],
      ['coder-healthz/unreachable', 'workspace-agents/disconnected'],
      ['cluster-dns/unavailable', 'coderd-ready/crash-loop'],
      ['db-connections-usage/saturated', 'coder-api-latency/slow'],
      ['nat-gateway-capacity/port-exhaustion', 'pods-config-errors/image-pull'],
      ['pvc-provisioning/ebs-quota', 'pods-pending/unbound-pvc'],
      ['ebs-quota/exceeded', 'pvc-provisioning/ebs-quota'],
      ['coderd-resources/cpu-throttled', 'coder-api-latency/slow-tail'],
      ['pods-config-errors/image-pull', 'workspace-agents/timeout'],
      ['pods-pending/insufficient-resources', 'workspace-builds/timeout'],
      ['workspace-builds/provider-throttling', 'log-error-patterns/aws-api-rate-limit'],
    ];
    for (const [cause, symptom] of chains)
      expect(linked(cause!, symptom!), `${cause} → ${symptom}`).toBe(true);
  });
});

describe('Function: diagnose (the graph on findings)', () => {
  const rootOf = (out: Finding[], x: Finding) => out.find((f) => f.fingerprint === x.fingerprint)?.rootCause;
  const coderdScope = { namespace: 'coder', workload: 'deployment/coder', component: 'coderd' };
  const ready = finding('coderd-ready', 'fail', {
    severity: 'critical',
    reason: 'no-replica-available',
    resource: 'k8s:coder/deployment/coder',
    scope: coderdScope,
  });

  it('Noncompliance 1: a workspace image pull is no cause of coderd-ready (another workload)', () => {
    const pull = finding('pods-config-errors', 'fail', {
      reason: 'image-pull',
      resource: 'k8s:coder-ws/pod/ws-1',
      // Its title names "image pull" and "secret": no rule reads it.
      scope: { namespace: 'coder-ws', workload: 'pod/ws-1', registry: 'ecr' },
    });
    const { findings } = diagnose([pull, ready]);
    expect(rootOf(findings, ready)).toBeUndefined();
  });

  it('Noncompliance 3: coderd pods pending explain no workspace build (another namespace)', () => {
    const stuck = finding('workspace-builds', 'fail', {
      reason: 'stuck-starting',
      resource: 'coder:coder/workspacebuilds/coder',
      scope: { component: 'workspace', namespace: 'coder-ws' },
    });
    const coderdPending = finding('pods-pending', 'fail', {
      reason: 'insufficient-resources',
      resource: 'k8s:coder/pods-pending/cpu',
      scope: { namespace: 'coder', workload: ['deployment/coder'] },
    });
    expect(rootOf(diagnose([coderdPending, stuck]).findings, stuck)).toBeUndefined();
    const wsPending = finding('pods-pending', 'fail', {
      reason: 'insufficient-resources',
      resource: 'k8s:coder-ws/pods-pending/cpu',
      scope: { namespace: 'coder-ws', workload: ['pod/ws-1'] },
    });
    expect(rootOf(diagnose([wsPending, stuck]).findings, stuck)).toBe(wsPending.fingerprint);
  });

  it('Noncompliance 2: a missing database secret is not blamed on a missing VPC endpoint', () => {
    const secret = finding('pods-config-errors', 'fail', {
      reason: 'missing-secret',
      resource: 'k8s:coder/deployment/coder',
      scope: { namespace: 'coder', workload: 'deployment/coder' },
    });
    const endpoint = finding('vpc-endpoints-available', 'fail', {
      reason: 'missing',
      resource: 'vpc-1/com.amazonaws.us-east-1.ecr.dkr',
      scope: { endpoint: 'ecr.dkr' },
    });
    const { findings, rootCauses } = diagnose([endpoint, secret, ready]);
    expect(rootOf(findings, secret)).toBeUndefined();
    expect(rootOf(findings, ready)).toBe(secret.fingerprint);
    expect(rootCauses.map((r) => r.checkId)).toEqual(['pods-config-errors', 'vpc-endpoints-available']);
  });

  it('Compliance: the ECR endpoints explain pulls from ECR only', () => {
    const endpoint = finding('vpc-endpoints-available', 'fail', {
      reason: 'missing',
      scope: { endpoint: 's3' },
    });
    const scope = (registry: string) => ({ namespace: 'coder-ws', workload: `pod/${registry}`, registry });
    const ecr = finding('pods-config-errors', 'fail', {
      reason: 'image-pull',
      resource: 'a',
      scope: scope('ecr'),
    });
    const hub = finding('pods-config-errors', 'fail', {
      reason: 'image-pull',
      resource: 'b',
      scope: scope('docker.io'),
    });
    const sts = { ...endpoint, scope: { endpoint: 'sts' }, fingerprint: 'sts' };
    const { findings } = diagnose([endpoint, ecr, hub]);
    expect(rootOf(findings, ecr)).toBe(endpoint.fingerprint);
    expect(rootOf(findings, hub)).toBeUndefined();
    expect(rootOf(diagnose([sts, ecr]).findings, ecr)).toBeUndefined();
  });

  it("coderd's health report stands under the check that sees the same fact, and alone without one", () => {
    const daemons = finding('provisioner-daemons', 'fail', { reason: 'none-online' });
    const epd01 = finding('coder-health-report', 'fail', {
      reason: 'EPD01',
      resource: 'h#pd',
      severity: 'medium',
    });
    const saturated = finding('db-connections-usage', 'fail', { reason: 'saturated', severity: 'critical' });
    const edb02 = finding('coder-health-report', 'fail', {
      reason: 'EDB02',
      resource: 'h#db',
      severity: 'medium',
    });
    const { findings, rootCauses } = diagnose([daemons, epd01, saturated, edb02]);
    expect(rootOf(findings, epd01)).toBe(daemons.fingerprint);
    expect(rootOf(findings, edb02)).toBe(saturated.fingerprint);
    expect(rootCauses).toHaveLength(2);
    expect(rootCauses.map((r) => r.checkId)).toEqual(['db-connections-usage', 'provisioner-daemons']);
    const alone = diagnose([epd01, edb02]);
    expect(alone.rootCauses.map((r) => r.reason).sort()).toEqual(['EDB02', 'EPD01']);
  });

  it('Aurora events stand under the status they describe', () => {
    const status = finding('aurora-cluster-available', 'fail', {
      reason: 'writer-unavailable',
      severity: 'critical',
    });
    const failover = finding('aurora-recent-events', 'fail', { reason: 'failover', key: 'failover' });
    const note = finding('aurora-recent-events', 'fail', { reason: 'notification', key: 'notification' });
    const { findings, rootCauses } = diagnose([status, failover, note]);
    expect(rootOf(findings, failover)).toBe(status.fingerprint);
    expect(rootOf(findings, note)).toBe(status.fingerprint);
    expect(rootCauses).toHaveLength(1);
    // Without a failing status, the failover explains its notifications.
    expect(rootOf(diagnose([failover, note]).findings, note)).toBe(failover.fingerprint);
  });

  it('a token without the role is the cause of the checks it leaves unchecked, and of no failure', () => {
    const role = finding('coder-token-role', 'fail', { reason: 'role-missing', severity: 'medium' });
    const skip = (checkId: string, reason: string) =>
      finding(checkId, 'skipped', { reason, severity: 'info' });
    const daemons = skip('provisioner-daemons', 'role-gap');
    const health = skip('coder-health-report', 'role-gap');
    const oss = skip('provisioner-key-age', 'not-applicable');
    const provisioners = finding('provisioners-ready', 'fail', { reason: 'crash-loop' });
    const { findings, rootCauses } = diagnose([role, daemons, health, oss, provisioners]);
    expect(rootOf(findings, daemons)).toBe(role.fingerprint);
    expect(rootOf(findings, health)).toBe(role.fingerprint);
    // Not applicable is no role gap; and a failure is never blamed on what the token could not read.
    expect(rootOf(findings, oss)).toBeUndefined();
    expect(rootOf(findings, provisioners)).toBeUndefined();
    const roleCause = rootCauses.find((r) => r.checkId === 'coder-token-role')!;
    expect(roleCause).toMatchObject({ symptoms: [], effectiveSeverity: 'medium' });
    expect([...roleCause.unchecked!].sort()).toEqual([daemons.fingerprint, health.fingerprint].sort());
    // A skipped finding is never a root cause of its own.
    expect(rootCauses.map((r) => r.checkId).sort()).toEqual(['coder-token-role', 'provisioners-ready']);
  });

  it('unrelated failures stay separate roots', () => {
    const open = finding('db-sg-open-to-world', 'fail', { reason: 'open-to-world', severity: 'critical' });
    const acl = finding('templates-available', 'fail', { reason: 'empty-acl', severity: 'medium' });
    const { rootCauses } = diagnose([open, acl, ready]);
    expect(rootCauses.map((r) => [r.checkId, r.symptoms.length])).toEqual([
      ['coderd-ready', 0],
      ['db-sg-open-to-world', 0],
      ['templates-available', 0],
    ]);
  });
});
