import { defineCheck, type FindingInput } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import type { Workspace } from '../../clients/coder-workloads.js';
import { agentReason, agentRemediation, type AgentReason } from './agents.js';
import type { CoderSnapshot } from './collector.js';
import { coderRef } from './lib.js';
import { CODER_META } from './meta.js';
import { Capability } from './roles.js';
import { roleGate } from './workload-access.js';
import { quote } from '../../audit/untrusted.js';

/** Compliant when every agent of every started workspace is connected and its startup script did not fail. */
export default defineCheck<CoderSnapshot>(CODER_META['workspace-agents'], (snap, { deployment: d }) => {
  const org = d.coder!.organization;
  const resource = coderRef(d, 'workspaceagents', org);
  const gap = roleGate(snap.access, Capability.Workspaces, resource);
  if (gap) return gap;
  const started = need(snap.workspaces).workspaces.filter(
    (w) => w.latest_build.transition === 'start' && w.latest_build.job.status === 'succeeded',
  );
  // The Coder API does not say which node a workspace runs on: with one workspace node group, it is that one.
  const wsGroups = d.eks.workspaceNodegroups ?? d.eks.nodegroups;
  const nodegroup = wsGroups.length === 1 ? wsGroups[0] : undefined;
  const byReason = new Map<AgentReason, Array<{ w: Workspace; agent: string }>>();
  for (const w of started)
    for (const r of w.latest_build.resources)
      for (const a of r.agents) {
        const reason = agentReason(a);
        if (reason) byReason.set(reason, [...(byReason.get(reason) ?? []), { w, agent: a.name }]);
      }
  if (byReason.size === 0) {
    const detail = `Every agent of the ${started.length} started workspaces is connected and started.`;
    return [{ status: 'pass', resource, detail, evidence: { started: started.length } }];
  }
  return [...byReason].map(([reason, hits]): FindingInput => {
    const byTemplate: Record<string, number> = {};
    for (const { w } of hits) byTemplate[w.template_name] = (byTemplate[w.template_name] ?? 0) + 1;
    const sample = `${hits[0]!.w.owner_name}/${hits[0]!.w.name}`;
    const where = Object.entries(byTemplate)
      .map(([t, n]) => `${quote(t, 100)} (${n})`)
      .join(', ');
    return {
      status: 'fail',
      reason,
      resource,
      key: reason,
      detail:
        `${hits.length} agent(s) of started workspaces: ${CODER_META['workspace-agents'].reasons[reason].message} ` +
        `By template: ${where}${nodegroup ? `; node group ${nodegroup}` : ''}; e.g. ${quote(sample, 200)}.`,
      evidence: {
        count: hits.length,
        byTemplate,
        ...(nodegroup ? { nodegroup } : {}),
        sample: hits.slice(0, 5).map((h) => `${h.w.owner_name}/${h.w.name}.${h.agent}`),
      },
      scope: {
        component: 'workspace',
        namespace: d.namespaces.workspaces,
        ...(nodegroup ? { nodegroup } : {}),
      },
      remediation: agentRemediation(d, reason, sample),
    };
  });
});
