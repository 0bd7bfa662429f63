import { defineCheck, type FindingInput } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import type { ProvisionerDaemon } from '../../clients/coder.js';
import type { ProvisionerJob } from '../../clients/coder-workloads.js';
import type { CoderSnapshot } from './collector.js';
import { coderRef, daemonOnline, minutesSince, unreadable } from './lib.js';
import { CODER_META } from './meta.js';
import { queueRemediation, type QueueReason } from './queue.js';
import { Capability } from './roles.js';
import { roleGate } from './workload-access.js';
import { quote } from '../../audit/untrusted.js';

/** Why a job waits: no daemon has its tags, they are offline, all busy, or idle and not taking it. */
function whyWaiting(job: ProvisionerJob, daemons: ProvisionerDaemon[], now: Date): QueueReason {
  const matched = daemons.filter((d) => job.available_workers.includes(d.id));
  if (job.available_workers.length === 0) return 'tag-mismatch';
  const online = matched.filter((d) => daemonOnline(d, now));
  if (online.length === 0) return 'workers-offline';
  return online.some((d) => d.status !== 'busy') ? 'stalled' : 'saturated';
}

/** Compliant when no provisioner job has been pending longer than thresholds.provisionerQueueMinutes. */
export default defineCheck<CoderSnapshot>(CODER_META['provisioner-queue'], (snap, { deployment: d, now }) => {
  const org = d.coder!.organization;
  const resource = coderRef(d, 'provisionerjobs', org);
  const gap = roleGate(snap.access, Capability.Jobs, resource);
  if (gap) return gap;
  const jobs = need(snap.pendingJobs);
  const listed = need(snap.daemons);
  if (!listed.available) return [unreadable(snap.access, Capability.Daemons, resource, listed)];
  const daemons = listed.value;
  const threshold = d.thresholds.provisionerQueueMinutes;
  const online = daemons.filter((x) => daemonOnline(x, now));
  const idle = online.filter((x) => x.status !== 'busy').length;
  const queue = {
    queueSize: Math.max(jobs.length, ...jobs.map((j) => j.queue_size)),
    idleDaemons: idle,
    busyDaemons: online.length - idle,
  };
  const late = jobs.filter((j) => (minutesSince(j.created_at, now) ?? 0) >= threshold);
  if (late.length === 0) {
    const detail = `No provisioner job has waited ${threshold} minutes or more (${jobs.length} pending, ${idle} idle daemons).`;
    return [{ status: 'pass', resource, detail, evidence: queue }];
  }
  const byReason = new Map<QueueReason, ProvisionerJob[]>();
  for (const j of late) {
    const r = whyWaiting(j, daemons, now);
    byReason.set(r, [...(byReason.get(r) ?? []), j]);
  }
  return [...byReason].map(([reason, js]): FindingInput => {
    const described = js.map((j) => ({
      job: j.metadata?.workspace_name
        ? `workspace ${j.metadata.workspace_name}`
        : `template ${j.metadata?.template_name ?? j.id}`,
      type: j.type,
      tags: j.tags,
      waitingMinutes: minutesSince(j.created_at, now),
    }));
    const tags = [
      ...new Set(
        js.map((j) =>
          Object.entries(j.tags)
            .filter(([, v]) => v !== '')
            .map(([k, v]) => `${k}=${v}`)
            .sort()
            .join(','),
        ),
      ),
    ];
    return {
      status: 'fail',
      reason,
      resource,
      key: reason,
      detail:
        `${js.length} provisioner job(s) pending for ${threshold}+ minutes (tags ${tags.map((t) => quote(t, 200)).join(' | ')}): ` +
        `${CODER_META['provisioner-queue'].reasons[reason].message} Queue: ${queue.queueSize} pending, ${idle} idle and ${queue.busyDaemons} busy daemons.`,
      evidence: { ...queue, jobs: described.slice(0, 10), tags },
      scope: { component: 'provisioner', namespace: d.namespaces.provisioner },
      remediation: queueRemediation(d, reason, tags[0] ?? '', queue.busyDaemons + js.length),
    };
  });
});
