import { defineCheck, type FindingInput } from '../../audit/check.js';
import { AuditError } from '../../audit/errors.js';
import { need } from '../../audit/fact.js';
import { shq } from '../../audit/model.js';
import type { ClusterSnapshot } from './collector.js';
import { CLUSTER_META } from './meta.js';
import { podsIn, selects } from './pods.js';
import { NEAR_LIMIT, quantity } from './quantity.js';

/** Compliant when every coderd container uses less than 90% of its CPU and memory limits. */
export default defineCheck<ClusterSnapshot>(CLUSTER_META['coderd-resources'], (snap, { deployment: d }) => {
  const ns = d.namespaces.coderd;
  const name = d.coderd.deploymentName;
  const dep = need(snap.deployments).find((x) => x.metadata?.name === name);
  const fact = snap.coderdMetrics;
  if (!fact.ok && /\b403\b|forbidden/i.test(fact.error)) {
    // AmazonEKSViewPolicy grants nothing in metrics.k8s.io: the auditor's Role must (README).
    throw new AuditError(
      `the access entry cannot list pods.metrics.k8s.io in ${ns} (${fact.error}): bind the auditor's ` +
        'Kubernetes group to a Role granting get and list on metrics.k8s.io pods there (README, Kubernetes access entry)',
    );
  }
  const metrics = need(fact);
  const pods = dep ? podsIn(snap.pods, ns).filter((p) => selects(dep, p)) : [];
  const resource = `k8s:${ns}/deployment/${name}`;
  const scope = { namespace: ns, workload: `deployment/${name}`, component: 'coderd' };
  const hits: Array<{
    reason: 'memory-near-limit' | 'cpu-throttled';
    pod: string;
    container: string;
    used: number;
    limit: number;
  }> = [];
  let sampled = 0;
  for (const pod of pods) {
    const m = metrics.find((x) => x.metadata.name === pod.metadata?.name);
    if (!m) continue;
    sampled += 1;
    for (const c of pod.spec?.containers ?? []) {
      const usage = m.containers.find((x) => x.name === c.name)?.usage;
      const limits = c.resources?.limits ?? {};
      for (const [key, reason] of [
        ['memory', 'memory-near-limit'],
        ['cpu', 'cpu-throttled'],
      ] as const) {
        const used = quantity(usage?.[key]);
        const limit = quantity(limits[key]);
        if (used !== undefined && limit && used >= NEAR_LIMIT * limit)
          hits.push({ reason, pod: pod.metadata?.name ?? '', container: c.name, used, limit });
      }
    }
  }
  if (sampled === 0) {
    const detail = `No metrics sample for the ${pods.length} coderd pods of ${ns} (metrics-server may not have one yet).`;
    return [{ status: 'pass', resource, detail, evidence: { pods: pods.length, sampled } }];
  }
  const reasons = [...new Set(hits.map((h) => h.reason))];
  if (reasons.length === 0)
    return [
      {
        status: 'pass',
        resource,
        detail: `${sampled} coderd pods use less than 90% of their CPU and memory limits.`,
      },
    ];
  return reasons.map((reason): FindingInput => {
    const mine = hits.filter((h) => h.reason === reason);
    const fmt = (h: (typeof mine)[number]) =>
      reason === 'cpu-throttled'
        ? `${h.pod}/${h.container} ${Math.round(h.used * 1000)}m of ${Math.round(h.limit * 1000)}m CPU`
        : `${h.pod}/${h.container} ${Math.round(h.used / 2 ** 20)}Mi of ${Math.round(h.limit / 2 ** 20)}Mi memory`;
    return {
      status: 'fail',
      reason,
      resource,
      key: reason,
      scope,
      detail: `${mine.map(fmt).join('; ')}.`,
      evidence: {
        containers: mine.map((h) => ({ pod: h.pod, container: h.container, used: h.used, limit: h.limit })),
      },
      remediation: {
        text: `Raise coderd's ${reason === 'cpu-throttled' ? 'CPU' : 'memory'} limit (coder Helm values coder.resources.limits) or add replicas.`,
        commands: [`kubectl top pods -n ${shq(ns)} --containers`, `helm get values coder -n ${shq(ns)}`],
      },
    };
  });
});
