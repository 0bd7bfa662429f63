import { createHash } from 'node:crypto';
import {
  PutEventsCommand,
  type EventBridgeClient,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { guideAnchor } from '../audit/guide.js';
import { AuditError } from '../audit/errors.js';
import type { Finding } from '../audit/model.js';
import { neutralise } from '../audit/untrusted.js';
import type { RunOutcome, StoredFinding } from '../store/findings-store.js';
import type { AuditFailedDetail, FindingEventDetail } from './event-schema.js';

/** Source of every event the auditor puts (lambdas/notify/event-schema.ts documents the details). */
export const EVENT_SOURCE = 'coder.auditor';
/** Mirrors `FINDING_EVENT_VERSION` of event-schema.ts (kept apart: that module pulls zod). */
export const EVENT_VERSION = '1';
/** PutEvents takes at most 10 entries per call (EventBridge API reference, PutEvents). */
export const PUT_EVENTS_BATCH = 10;
/** Attempts for the entries a PutEvents call reports as failed. */
export const PUT_EVENTS_ATTEMPTS = 3;

export interface EventOptions {
  runStartedAt: string;
  runbookUrl?: string;
  /** Findings still open (`changes.stillOpen`) are reported with their age, from this clock. */
  now?: Date;
}

/** One EventBridge entry before it is put (no bus name: the default bus). */
export interface AuditorEvent {
  detailType: 'Finding opened' | 'Finding resolved' | 'Finding still open' | 'Audit failed';
  detail: FindingEventDetail | AuditFailedDetail;
}

const idOf = (...parts: string[]): string =>
  createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);

function eventFinding(f: Finding | StoredFinding, opts: EventOptions): FindingEventDetail['finding'] {
  const status =
    'status' in f && (f.status === 'fail' || f.status === 'error') ? f.status : (f as StoredFinding).result;
  return {
    fingerprint: f.fingerprint,
    checkId: f.checkId,
    group: f.group,
    severity: f.severity,
    status,
    ...('reason' in f && f.reason ? { reason: f.reason } : {}),
    resource: neutralise(f.resource, 1000),
    title: f.title,
    detail: neutralise(f.detail, 1000),
    guideSection: f.guideSection,
    ...(opts.runbookUrl ? { runbookUrl: `${opts.runbookUrl}${guideAnchor(f.guideSection)}` } : {}),
    ...(f.rootCause ? { rootCause: f.rootCause } : {}),
    ...('openedAt' in f && f.openedAt ? { openedAt: f.openedAt } : {}),
  };
}

/**
 * One event per change of a recorded run: opened (new failures and checks that could not run, un-muted
 * ones included; escalations are reported as opened at their new severity), resolved, still open after N
 * hours, and check groups failing run after run ("Audit failed"). Muted findings produce none.
 */
export function auditorEvents(outcome: RunOutcome, opts: EventOptions): AuditorEvent[] {
  const c = outcome.changes;
  const common = (type: string, key: string) => ({
    version: EVENT_VERSION as '1',
    eventId: idOf(outcome.executionId, type, key),
    deployment: outcome.deployment,
    executionId: outcome.executionId,
    runStartedAt: opts.runStartedAt,
  });
  const events: AuditorEvent[] = [];
  for (const f of [...c.opened, ...c.escalated.map((e) => e.finding)]) {
    events.push({
      detailType: 'Finding opened',
      detail: { ...common('opened', f.fingerprint), finding: eventFinding(f, opts) },
    });
  }
  for (const s of c.resolved) {
    events.push({
      detailType: 'Finding resolved',
      detail: {
        ...common('resolved', s.fingerprint),
        finding: eventFinding(s, opts),
        ...(s.resolvedAt ? { resolvedAt: s.resolvedAt } : {}),
      },
    });
  }
  const now = (opts.now ?? new Date()).getTime();
  for (const s of c.stillOpen ?? []) {
    events.push({
      detailType: 'Finding still open',
      detail: {
        ...common('still-open', s.fingerprint),
        finding: eventFinding(s, opts),
        openForHours: Math.max(0, Math.round((now - Date.parse(s.openedAt)) / 36e5)),
      },
    });
  }
  for (const g of c.failingGroups) {
    events.push({
      detailType: 'Audit failed',
      detail: {
        ...common('audit-failed', g.group),
        group: g.group,
        consecutiveRuns: g.consecutiveRuns,
        ...(g.error ? { error: neutralise(g.error, 500) } : {}),
      },
    });
  }
  return events;
}

/** Some entries could still not be put after the retries. */
export class PutEventsError extends AuditError {
  public constructor(message: string) {
    super(message);
    this.name = 'PutEventsError';
  }
}

/**
 * Put events on the default bus, 10 per call; entries the response reports as failed (throttling, internal
 * errors) are put again, up to {@link PUT_EVENTS_ATTEMPTS} times. Returns how many were put.
 */
export async function putAuditorEvents(
  client: EventBridgeClient,
  events: readonly AuditorEvent[],
): Promise<number> {
  const entries: PutEventsRequestEntry[] = events.map((e) => ({
    Source: EVENT_SOURCE,
    DetailType: e.detailType,
    Detail: JSON.stringify(e.detail),
  }));
  let put = 0;
  for (let i = 0; i < entries.length; i += PUT_EVENTS_BATCH) {
    let pending = entries.slice(i, i + PUT_EVENTS_BATCH);
    for (let attempt = 1; pending.length > 0; attempt++) {
      const out = await client.send(new PutEventsCommand({ Entries: pending }));
      const results = out.Entries ?? [];
      const failed = pending.filter((_, k) => !results[k]?.EventId);
      put += pending.length - failed.length;
      if (failed.length > 0 && attempt >= PUT_EVENTS_ATTEMPTS) {
        const codes = [...new Set(results.map((r) => r.ErrorCode).filter(Boolean))].join(', ');
        throw new PutEventsError(
          `${failed.length} events could not be put after ${attempt} attempts (${codes})`,
        );
      }
      pending = failed;
    }
  }
  return put;
}
