import { defineCheck, type FindingInput } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { quote } from '../../audit/untrusted.js';
import type { CoderSnapshot } from './collector.js';
import { coderRef, minutesSince } from './lib.js';
import { CODER_META } from './meta.js';
import { importFailure, importFinding } from './template-imports.js';

/** Compliant when each expected template's active version imported and its newest version did not fail or stall. */
export default defineCheck<CoderSnapshot>(CODER_META['template-versions'], (snap, { deployment: d, now }) => {
  const templates = need(snap.templates).filter((t) => d.coder!.expectedTemplates.includes(t.name));
  return templates.map((t): FindingInput => {
    const resource = coderRef(d, 'template', t.name);
    const fact = snap.templateVersions[t.name];
    if (!fact?.ok) {
      const why = fact?.error ?? 'not read';
      return {
        status: 'error',
        resource,
        key: 'versions',
        detail: `Versions of ${t.name} not read: ${why}.`,
      };
    }
    const versions = fact.value;
    const active = versions.find((v) => v.id === t.active_version_id);
    const newest = versions.at(-1);
    const pass = (detail: string): FindingInput => ({
      status: 'pass',
      resource,
      key: 'versions',
      detail: `Template ${t.name}: ${detail}`,
      evidence: { active: active?.name, newest: newest?.name, versions: versions.length },
    });
    const ctx = { d, template: t.name, resource, active: active?.name, logs: snap.jobLogs };
    if (active && active.job.status !== 'succeeded') {
      const detail = `the active version ${quote(active.name, 100)} has no successful import (${active.job.status}).`;
      return importFinding(ctx, 'active-not-imported', active, detail);
    }
    if (
      !newest ||
      newest.id === active?.id ||
      Date.parse(newest.created_at) <= Date.parse(active?.created_at ?? '')
    ) {
      return pass(
        `runs its newest version ${(active?.name ?? newest?.name) ? quote((active?.name ?? newest?.name)!, 100) : '(none listed)'}.`,
      );
    }
    const age = minutesSince(newest.created_at, now) ?? 0;
    const users = `users still get ${active ? quote(active.name, 100) : 'no version'}`;
    if (newest.job.status === 'failed') {
      const logs = snap.jobLogs[newest.id];
      const reason = importFailure(newest.job, logs?.ok ? logs.value : []);
      return importFinding(
        ctx,
        reason,
        newest,
        `version ${quote(newest.name, 100)} (${age} min ago) failed its import; ${users}.`,
      );
    }
    const waiting = newest.job.status === 'pending' || newest.job.status === 'running';
    if (waiting && age >= d.thresholds.provisionerQueueMinutes) {
      const detail = `version ${quote(newest.name, 100)} has been ${newest.job.status} for ${age} minutes; ${users}.`;
      return importFinding(ctx, 'import-stuck', newest, detail);
    }
    return pass(`newest version ${newest.name} is ${newest.job.status}; active ${active?.name ?? '(none)'}.`);
  });
});
