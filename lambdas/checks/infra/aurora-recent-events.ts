import type { Event as RdsEvent } from '@aws-sdk/client-rds';
import { defineCheck } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { GuideSection } from '../../audit/guide.js';
import { shq, type Severity } from '../../audit/model.js';
import type { InfraSnapshot } from './collector.js';

/** Severity of an event: failures critical, failovers high, notifications low, anything else informational. */
function classify(e: RdsEvent): Severity {
  const categories = (e.EventCategories ?? []).map((c) => c.toLowerCase());
  const message = e.Message ?? '';
  if (categories.includes('failure') || /\bfailed\b/i.test(message)) return 'critical';
  if (categories.includes('failover') || /failover/i.test(message)) return 'high';
  if (categories.includes('notification')) return 'low';
  return 'info';
}

const RANK: Severity[] = ['critical', 'high', 'low'];

/** Compliant when no failure or failover event hit the Aurora cluster or its instances within the window. */
export default defineCheck<InfraSnapshot>(
  {
    id: 'aurora-recent-events',
    group: 'infra',
    severity: 'high',
    title: 'No recent Aurora failover, failure or notification',
    description:
      'Reports failure (critical), failover (high) and notification (low) events of the Aurora cluster and its ' +
      'member instances within thresholds.auroraEventWindowMinutes; other events (backups...) pass.',
    risk: 'A failover drops every database connection: coderd restarts, builds and sessions fail meanwhile.',
    guideSection: GuideSection.DatabaseConnection,
  },
  (snap, { deployment }) => {
    const id = deployment.aurora.clusterId;
    const minutes = deployment.thresholds.auroraEventWindowMinutes;
    const events = need(snap.auroraEvents)
      .map((e) => ({ e, severity: classify(e) }))
      .sort((a, b) => (b.e.Date?.getTime() ?? 0) - (a.e.Date?.getTime() ?? 0));
    const bad = events.filter((x) => x.severity !== 'info');
    const shown = (bad.length ? bad : events).slice(0, 5).map(({ e }) => ({
      date: e.Date?.toISOString(),
      source: e.SourceIdentifier,
      categories: e.EventCategories,
      message: e.Message,
    }));
    const evidence = {
      windowMinutes: minutes,
      events: events.length,
      ...(shown.length ? { recent: shown } : {}),
    };
    if (bad.length === 0) {
      return [
        {
          status: 'pass',
          resource: id,
          detail: `No failover, failure or notification event in the last ${minutes} minutes (${events.length} events).`,
          evidence,
        },
      ];
    }
    const sources = [...new Set(bad.map(({ e }) => e.SourceIdentifier ?? id))];
    const commands = sources.map((s) => {
      const type = s === id ? 'db-cluster' : 'db-instance';
      return `aws rds describe-events --source-identifier ${shq(s)} --source-type ${type} --duration ${minutes}`;
    });
    return [
      {
        status: 'fail',
        severity: RANK.find((r) => bad.some((x) => x.severity === r)) ?? 'low',
        resource: id,
        detail: `${bad.length} failover/failure/notification events in the last ${minutes} minutes: ${bad[0]?.e.Message ?? ''}`,
        evidence,
        remediation: {
          text: 'Read the events, then check the cluster and coderd database errors.',
          commands,
        },
      },
    ];
  },
);
