import { defineCheck, type FindingInput } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { buildErrorText, buildRemediation, classifyBuilds } from './build-errors.js';
import type { CoderSnapshot } from './collector.js';
import { coderRef } from './lib.js';
import { CODER_META } from './meta.js';
import { Capability } from './roles.js';
import { roleGate } from './workload-access.js';
import { quote } from '../../audit/untrusted.js';

const SAMPLE = 10;

/** Compliant when no latest build failed within the window and none is pending or starting past the threshold. */
export default defineCheck<CoderSnapshot>(CODER_META['workspace-builds'], (snap, { deployment: d, now }) => {
  const org = d.coder!.organization;
  const resource = coderRef(d, 'workspacebuilds', org);
  const gap = roleGate(snap.access, Capability.Workspaces, resource);
  if (gap) return gap;
  const { workspaces, count, truncated } = need(snap.workspaces);
  const { buildWindowMinutes: window, buildStuckMinutes: stuck } = d.thresholds;
  const byReason = classifyBuilds(workspaces, snap.jobLogs, now, { window, stuck });
  const read = `${workspaces.length} of ${count} workspaces read${truncated ? ' (the rest not read)' : ''}`;
  if (byReason.size === 0) {
    const detail = `No workspace build failed in the last ${window} minutes or has been pending or starting for ${stuck} minutes (${read}).`;
    return [{ status: 'pass', resource, detail, evidence: { count, truncated } }];
  }
  return [...byReason].map(([reason, ws]): FindingInput => {
    const names = ws.map((w) => `${w.owner_name}/${w.name}`);
    const templates: Record<string, number> = {};
    for (const w of ws) templates[w.template_name] = (templates[w.template_name] ?? 0) + 1;
    const errors = [...new Set(ws.flatMap((w) => buildErrorText(w, snap.jobLogs)))];
    const what =
      reason === 'stuck-pending' || reason === 'stuck-starting'
        ? `${reason === 'stuck-pending' ? 'pending' : 'starting'} for ${stuck} minutes or more`
        : `failed in the last ${window} minutes (${reason})`;
    const tpl = Object.entries(templates)
      .map(([t, n]) => `${quote(t, 100)} (${n})`)
      .join(', ');
    return {
      status: 'fail',
      reason,
      resource,
      key: reason,
      detail:
        `${ws.length} workspace build(s) ${what}: templates ${tpl}; e.g. ${names
          .slice(0, 3)
          .map((n) => quote(n, 100))
          .join(', ')}` + `${errors[0] ? `: ${quote(errors[0])}` : ''}.`,
      evidence: {
        count: ws.length,
        templates,
        workspaces: names.slice(0, SAMPLE),
        errors: errors.slice(0, 3),
        logsRead: ws.filter((w) => snap.jobLogs[w.latest_build.id]?.ok).length,
        read,
      },
      scope: { component: 'workspace', namespace: d.namespaces.workspaces },
      remediation: buildRemediation(d, reason, names[0]!),
    };
  });
});
