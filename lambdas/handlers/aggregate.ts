import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { aggregate, type AggregatedAudit } from '../audit/aggregate.js';
import { AuditError, describeError } from '../audit/errors.js';
import { SEVERITIES, Status } from '../audit/model.js';
import { CATALOGUE, type CheckCatalogue } from '../checks/catalogue.js';
import { auditorEvents, putAuditorEvents, type AuditorEvent } from '../notify/events.js';
import { renderAlert } from '../notify/render.js';
import { FindingsStore } from '../store/findings-store.js';
import { ResultStore } from '../store/results.js';
import { documentClient } from './dynamo.js';
import { policyOfDocument } from './policy.js';
import { unpackGroupResults, type PackedGroupResult } from './payload.js';
import { count, countBy, lambdaEntry, lambdaTelemetry, requireEnv, type Telemetry } from './telemetry.js';

/** What the workflow sends the Aggregate task: the four group results of one deployment. */
export interface AggregateEvent {
  deployment: string;
  /**
   * The deployment's configuration document (its SSM parameter, read by the child execution): its mutes
   * and overrides are applied before the diagnosis, with the run's `startedAt` as the clock. Without it
   * nothing is muted.
   */
  document?: unknown;
  executionId: string;
  startedAt: string;
  /** Inline, or by reference when a result was too large for the workflow. */
  results: PackedGroupResult[];
}

/**
 * What the Aggregate task returns: small whatever the audit found (the alert stays with the run item);
 * the workflow notifies when `changed`.
 */
export interface AggregateOutput {
  deployment: string;
  executionId: string;
  /** The run's alert is not empty and was not sent yet (false on a replay of a notified run). */
  changed: boolean;
  /** How many findings this run opened, escalated and resolved. */
  opened: number;
  escalated: number;
  resolved: number;
}

/** A debounce lock older than this was left by an execution stopped during its 5-minute settle wait. */
export const GATE_STALE_AFTER_MS = 15 * 60_000;

export interface AggregateHandlerDeps {
  /** `clearStaleGate` frees a debounce lock abandoned by a stopped execution (skipped when absent). */
  store: Pick<FindingsStore, 'recordRun' | 'saveAlert'> & Partial<Pick<FindingsStore, 'clearStaleGate'>>;
  /** Where results sent by reference are read. */
  results: Pick<ResultStore, 'get'>;
  telemetry: Telemetry;
  runbookUrl?: string;
  /**
   * Puts the run's events on the default bus (`putAuditorEvents` in Lambda); skipped when absent. Sent
   * until the run's alert is marked notified, so a replay before that sends them again: consumers
   * de-duplicate on `detail.eventId`.
   */
  putEvents?: (events: AuditorEvent[]) => Promise<unknown>;
  /** Checks of each group, to expand a group that failed as a whole. @default CATALOGUE */
  catalogue?: CheckCatalogue;
  /** @default () => new Date() */
  now?: () => Date;
  /** Age from which a debounce lock counts as abandoned. @default GATE_STALE_AFTER_MS */
  gateStaleAfterMs?: number;
  /** Sees each report once it is recorded (local runs: the demo prints the report the run stored). */
  onAudit?: (audit: AggregatedAudit) => void;
}

/**
 * Merge the group results, record the run (idempotent on the execution id) and say whether to alert.
 * Then free the deployment's debounce lock if an execution stopped during its wait left it behind (the
 * workflow's JSONPath has no clock to tell a live lock from a stale one; this function has).
 */
export function makeAggregateHandler(
  deps: AggregateHandlerDeps,
): (event: AggregateEvent) => Promise<AggregateOutput> {
  const { logger } = deps.telemetry;
  return async (event) => {
    if (!event || typeof event.deployment !== 'string' || !Array.isArray(event.results)) {
      throw new AuditError('aggregate event needs deployment, executionId, startedAt and results[]');
    }
    logger.appendKeys({ deployment: event.deployment, executionId: event.executionId });
    const now = deps.now ?? (() => new Date());
    const policy =
      event.document === undefined
        ? undefined
        : policyOfDocument(event.document, `configuration of deployment ${event.deployment}`);
    const audit = aggregate({
      deployment: event.deployment,
      executionId: event.executionId,
      startedAt: event.startedAt,
      finishedAt: now().toISOString(),
      results: await unpackGroupResults(event.results, deps.results),
      catalogue: deps.catalogue ?? CATALOGUE,
      ...(policy ? { policy } : {}),
    });
    const outcome = await deps.store.recordRun(audit);
    deps.onAudit?.(audit);
    const alert = renderAlert(outcome, deps.runbookUrl ? { runbookUrl: deps.runbookUrl } : {});
    const changed = !outcome.notified && alert !== undefined;
    if (deps.putEvents && !outcome.notified) {
      const events = auditorEvents(outcome, {
        runStartedAt: event.startedAt,
        now: new Date(event.startedAt),
        ...(deps.runbookUrl ? { runbookUrl: deps.runbookUrl } : {}),
      });
      if (events.length > 0) {
        await deps.putEvents(events);
        if (!outcome.replay) count(deps.telemetry, 'EventsPut', events.length);
      }
    }
    // The alert travels by reference: it can be close to SNS's 256 KiB, too large for a state payload.
    if (changed) await deps.store.saveAlert(event.deployment, event.executionId, alert);
    const c = outcome.changes;
    logger.info('run recorded', {
      replay: outcome.replay,
      changed,
      failing: audit.summary.byStatus[Status.Fail],
      errors: audit.summary.byStatus[Status.Error],
      opened: c.opened.length,
      escalated: c.escalated.length,
      resolved: c.resolved.length,
      failingGroups: c.failingGroups.length,
      muted: audit.summary.muted ?? 0,
      muteNotices: audit.mutes?.notices.length ?? 0,
    });
    if (!outcome.replay) {
      count(deps.telemetry, 'OpenedFindings', c.opened.length);
      count(deps.telemetry, 'ResolvedFindings', c.resolved.length);
      count(deps.telemetry, 'FailedGroups', Object.keys(audit.groupErrors).length);
      // Open (failing or erroring, unmuted) findings of the deployment by severity, for the dashboard; only
      // severities that have some, so a fleet pays for the metrics it uses (the dashboard fills gaps with 0).
      for (const severity of SEVERITIES) {
        const n = audit.findings.filter(
          (f) =>
            !f.muted && f.severity === severity && (f.status === Status.Fail || f.status === Status.Error),
        ).length;
        if (n > 0) countBy(deps.telemetry, 'OpenFindings', { deployment: event.deployment, severity }, n);
      }
    }
    if (deps.store.clearStaleGate) {
      const cutoff = new Date(now().getTime() - (deps.gateStaleAfterMs ?? GATE_STALE_AFTER_MS));
      try {
        if (await deps.store.clearStaleGate(event.deployment, cutoff.toISOString())) {
          logger.warn('freed a debounce lock left by a stopped execution', {
            lockedBefore: cutoff.toISOString(),
          });
        }
      } catch (err) {
        logger.warn('could not check the debounce lock', { error: describeError(err) });
      }
    }
    return {
      deployment: event.deployment,
      executionId: event.executionId,
      changed,
      opened: c.opened.length,
      escalated: c.escalated.length,
      resolved: c.resolved.length,
    };
  };
}

const telemetry = await lambdaTelemetry('aggregate');
let run: ((event: AggregateEvent) => Promise<AggregateOutput>) | undefined;

/** Built on the first invocation (not at import, so the local workflow can import this module). */
function init(): (event: AggregateEvent) => Promise<AggregateOutput> {
  const ddb = new DynamoDBClient({});
  const client = documentClient(telemetry.tracer?.captureAWSv3Client(ddb) ?? ddb);
  const tableName = requireEnv('TABLE_NAME');
  const stillOpen = Number(process.env.STILL_OPEN_AFTER_HOURS ?? '24');
  const store = new FindingsStore({
    client,
    tableName,
    foldUnnotified: true,
    ...(stillOpen > 0 ? { stillOpenAfterHours: stillOpen } : {}),
  });
  const eb = new EventBridgeClient({});
  const events = telemetry.tracer?.captureAWSv3Client(eb) ?? eb;
  const results = new ResultStore({ client, tableName });
  const runbookUrl = process.env.RUNBOOK_URL;
  return makeAggregateHandler({
    store,
    results,
    telemetry,
    putEvents: (e) => putAuditorEvents(events, e),
    ...(runbookUrl ? { runbookUrl } : {}),
  });
}

/**
 * Lambda entry point: table from `TABLE_NAME`, runbook link from `RUNBOOK_URL`, mutes and overrides from
 * the deployment's document in the event, "still open" after `STILL_OPEN_AFTER_HOURS`
 * (default 24; 0 turns it off); events to the default bus.
 */
export const handler = lambdaEntry(telemetry, (event: AggregateEvent) => (run ??= init())(event));
