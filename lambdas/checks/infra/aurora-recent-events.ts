import type { Event as RdsEvent } from '@aws-sdk/client-rds';
import { defineCheck, type FindingInput } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { shq } from '../../audit/model.js';
import type { InfraSnapshot } from './collector.js';
import { INFRA_META } from './meta.js';

const KINDS = ['failure', 'failover', 'notification'] as const;
type Kind = (typeof KINDS)[number];

/** Kind of an event (its RDS categories, or its message): failure, failover, notification, or none. */
function classify(e: RdsEvent): Kind | undefined {
  const categories = (e.EventCategories ?? []).map((c) => c.toLowerCase());
  const message = e.Message ?? '';
  if (categories.includes('failure') || /\bfailed\b/i.test(message)) return 'failure';
  if (categories.includes('failover') || /failover/i.test(message)) return 'failover';
  if (categories.includes('notification')) return 'notification';
  return undefined;
}

const shown = (events: readonly RdsEvent[]) =>
  events.slice(0, 5).map((e) => ({
    date: e.Date?.toISOString(),
    source: e.SourceIdentifier,
    categories: e.EventCategories,
    message: e.Message,
  }));

/**
 * Compliant when no failure, failover or notification event hit the Aurora cluster or its instances within
 * the window; otherwise one finding per kind of event (its reason), so that each links to what it explains.
 */
export default defineCheck<InfraSnapshot>(INFRA_META['aurora-recent-events'], (snap, { deployment }) => {
  const id = deployment.aurora.clusterId;
  const minutes = deployment.thresholds.auroraEventWindowMinutes;
  const events = [...need(snap.auroraEvents)].sort(
    (a, b) => (b.Date?.getTime() ?? 0) - (a.Date?.getTime() ?? 0),
  );
  const byKind = KINDS.map((kind) => ({ kind, list: events.filter((e) => classify(e) === kind) }));
  if (byKind.every((k) => k.list.length === 0)) {
    const recent = shown(events);
    return [
      {
        status: 'pass',
        resource: id,
        detail: `No failover, failure or notification event in the last ${minutes} minutes (${events.length} events).`,
        evidence: { windowMinutes: minutes, events: events.length, ...(recent.length ? { recent } : {}) },
      },
    ];
  }
  return byKind
    .filter((k) => k.list.length > 0)
    .map(({ kind, list }): FindingInput => {
      const sources = [...new Set(list.map((e) => e.SourceIdentifier ?? id))];
      const commands = sources.map((s) => {
        const type = s === id ? 'db-cluster' : 'db-instance';
        return `aws rds describe-events --source-identifier ${shq(s)} --source-type ${type} --duration ${minutes}`;
      });
      return {
        status: 'fail',
        reason: kind,
        resource: id,
        key: kind,
        detail: `${list.length} ${kind} event(s) in the last ${minutes} minutes: ${list[0]?.Message ?? ''}`,
        evidence: { windowMinutes: minutes, events: events.length, recent: shown(list) },
        remediation: {
          text: 'Read the events, then check the cluster and coderd database errors.',
          commands,
        },
      };
    });
});
