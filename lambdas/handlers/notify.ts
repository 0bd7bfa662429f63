import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { AuditError } from '../audit/errors.js';
import { publishAlert } from '../notify/publish.js';
import { renderAlert, type AlertMessage } from '../notify/render.js';
import { FindingsStore, type RunOutcome } from '../store/findings-store.js';
import { documentClient } from './dynamo.js';
import { count, lambdaEntry, lambdaTelemetry, requireEnv, type Telemetry } from './telemetry.js';

/** What the workflow sends the Notify task (the Aggregate task's output). */
export interface NotifyEvent {
  deployment: string;
  executionId: string;
  outcome: RunOutcome;
}

export interface NotifyOutput {
  deployment: string;
  executionId: string;
  /** An alert was published by this invocation. */
  notified: boolean;
  messageId?: string;
  /** Why nothing was published. */
  reason?: string;
}

export type { AlertMessage };

export interface NotifyHandlerDeps {
  /** Publish one alert; returns the message id. */
  publish: (alert: AlertMessage) => Promise<string>;
  store: Pick<FindingsStore, 'claimNotification' | 'releaseNotification' | 'markNotified'>;
  telemetry: Telemetry;
  runbookUrl?: string;
  /**
   * A claim older than this was left by an invocation that died before marking the run (it must exceed
   * the function's timeout, 30 s in the stack). @default NOTIFY_CLAIM_TTL_MS
   */
  claimTtlMs?: number;
}

export const NOTIFY_CLAIM_TTL_MS = 120_000;

/** Another invocation is publishing this run's alert; retried by the workflow. */
export class NotificationInProgressError extends AuditError {
  public constructor(deployment: string, executionId: string) {
    super(`the alert of run ${executionId} of ${deployment} is being published by another invocation`);
    this.name = 'NotificationInProgressError';
  }
}

/**
 * Claim the run's alert, render and publish it, THEN mark the run notified. The claim (on the run item,
 * not on the event's `outcome.notified`, which a retry or a redrive carries stale) makes a retry after a
 * successful publish and mark, or a concurrent invocation, publish nothing. A failed publish releases the
 * claim, so the retry publishes. An invocation that dies between claim and mark leaves a claim that
 * blocks retries (they fail with `NotificationInProgressError`) until it is `claimTtlMs` old; if the
 * retries run out first, the run stays un-notified and the next run of the deployment alerts its changes.
 */
export function makeNotifyHandler(deps: NotifyHandlerDeps): (event: NotifyEvent) => Promise<NotifyOutput> {
  const { logger } = deps.telemetry;
  return async (event) => {
    if (!event?.outcome || typeof event.deployment !== 'string') {
      throw new AuditError('notify event needs deployment, executionId and outcome');
    }
    const base = { deployment: event.deployment, executionId: event.executionId };
    logger.appendKeys(base);
    if (event.outcome.notified) return { ...base, notified: false, reason: 'already notified' };
    const alert = renderAlert(event.outcome, deps.runbookUrl ? { runbookUrl: deps.runbookUrl } : {});
    if (!alert) return { ...base, notified: false, reason: 'nothing changed' };
    const { claim, token } = await deps.store.claimNotification(
      event.deployment,
      event.executionId,
      deps.claimTtlMs ?? NOTIFY_CLAIM_TTL_MS,
    );
    if (claim === 'notified') return { ...base, notified: false, reason: 'already notified' };
    if (claim === 'busy' || token === undefined) {
      throw new NotificationInProgressError(event.deployment, event.executionId);
    }
    let messageId: string;
    try {
      messageId = await deps.publish(alert);
    } catch (err) {
      await deps.store.releaseNotification(event.deployment, event.executionId, token).catch(() => undefined);
      throw err;
    }
    const marked = await deps.store.markNotified(event.deployment, event.executionId);
    logger.info('alert published', { messageId, subject: alert.subject, marked });
    count(deps.telemetry, 'AlertsPublished');
    return { ...base, notified: true, messageId };
  };
}

const telemetry = lambdaTelemetry('notify');
let run: ((event: NotifyEvent) => Promise<NotifyOutput>) | undefined;

/** Built on the first invocation (not at import, so the local workflow can import this module). */
function init(): (event: NotifyEvent) => Promise<NotifyOutput> {
  const topicArn = requireEnv('TOPIC_ARN');
  const sns = new SNSClient({});
  const ddb = new DynamoDBClient({});
  const tracer = telemetry.tracer;
  const store = new FindingsStore({
    client: documentClient(tracer?.captureAWSv3Client(ddb) ?? ddb),
    tableName: requireEnv('TABLE_NAME'),
  });
  const client = tracer?.captureAWSv3Client(sns) ?? sns;
  const runbookUrl = process.env.RUNBOOK_URL;
  return makeNotifyHandler({
    publish: (alert) => publishAlert(client, topicArn, alert),
    store,
    telemetry,
    ...(runbookUrl ? { runbookUrl } : {}),
  });
}

/** Lambda entry point: topic from `TOPIC_ARN`, table from `TABLE_NAME`, runbook link from `RUNBOOK_URL`. */
export const handler = lambdaEntry(telemetry, (event: NotifyEvent) => (run ??= init())(event));
