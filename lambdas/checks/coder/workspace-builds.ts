import { defineCheck, type FindingInput } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import type { Workspace } from '../../clients/coder-workloads.js';
import { redact } from '../cluster/redact.js';
import { buildFailure, buildRemediation, type BuildReason } from './build-errors.js';
import type { CoderSnapshot } from './collector.js';
import { coderRef, minutesSince } from './lib.js';
import { CODER_META } from './meta.js';
import { needRead, WorkloadRead } from './workload-access.js';

const SAMPLE = 10;

/** Compliant when no latest build failed within the window and none is pending or starting past the threshold. */
export default defineCheck<CoderSnapshot>(CODER_META['workspace-builds'], (snap, { deployment: d, now }) => {
  const org = d.coder!.organization;
  needRead(snap.access, WorkloadRead.Workspaces, org);
  const { workspaces, count, truncated } = need(snap.workspaces);
  const { buildWindowMinutes: window, buildStuckMinutes: stuck } = d.thresholds;
  const byReason = new Map<BuildReason, Workspace[]>();
  const add = (r: BuildReason, w: Workspace) => byReason.set(r, [...(byReason.get(r) ?? []), w]);
  for (const w of workspaces) {
    const job = w.latest_build.job;
    if (job.status === 'failed') {
      if ((minutesSince(job.completed_at ?? job.created_at, now) ?? 0) <= window) add(buildFailure(job), w);
    } else if (job.status === 'pending' && (minutesSince(job.created_at, now) ?? 0) >= stuck) {
      add('stuck-pending', w);
    } else if (
      job.status === 'running' &&
      (minutesSince(job.started_at ?? job.created_at, now) ?? 0) >= stuck
    ) {
      add('stuck-starting', w);
    }
  }
  const read = `${workspaces.length} of ${count} workspaces read${truncated ? ' (the rest not read)' : ''}`;
  if (byReason.size === 0) {
    const detail = `No workspace build failed in the last ${window} minutes or has been pending or starting for ${stuck} minutes (${read}).`;
    return [
      {
        status: 'pass',
        resource: coderRef(d, 'workspacebuilds', org),
        detail,
        evidence: { count, truncated },
      },
    ];
  }
  return [...byReason].map(([reason, ws]): FindingInput => {
    const names = ws.map((w) => `${w.owner_name}/${w.name}`);
    const templates: Record<string, number> = {};
    for (const w of ws) templates[w.template_name] = (templates[w.template_name] ?? 0) + 1;
    const errors = [
      ...new Set(
        ws.flatMap((w) => (w.latest_build.job.error ? [redact(w.latest_build.job.error, 160)] : [])),
      ),
    ];
    const what =
      reason === 'stuck-pending' || reason === 'stuck-starting'
        ? `${reason === 'stuck-pending' ? 'pending' : 'starting'} for ${stuck} minutes or more`
        : `failed in the last ${window} minutes (${reason})`;
    const tpl = Object.entries(templates)
      .map(([t, n]) => `${t} (${n})`)
      .join(', ');
    return {
      status: 'fail',
      reason,
      resource: coderRef(d, 'workspacebuilds', org),
      key: reason,
      detail:
        `${ws.length} workspace build(s) ${what}: templates ${tpl}; e.g. ${names.slice(0, 3).join(', ')}` +
        `${errors[0] ? `: "${errors[0]}"` : ''}.`,
      evidence: {
        count: ws.length,
        templates,
        workspaces: names.slice(0, SAMPLE),
        errors: errors.slice(0, 3),
        read,
      },
      scope: { component: 'workspace', namespace: d.namespaces.workspaces },
      remediation: buildRemediation(d, reason, names[0]!),
    };
  });
});
