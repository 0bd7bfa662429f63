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
  store: Pick<FindingsStore, 'markNotified'>;
  telemetry: Telemetry;
  runbookUrl?: string;
}

/**
 * Render and publish the run's alert, THEN mark the run notified. This order loses nothing: if the
 * publish fails, nothing is marked and the task's retry publishes; if marking fails after a publish,
 * the retry publishes again (a rare duplicate e-mail, never a lost alert). The reverse order could mark
 * a run whose alert was never delivered. A replayed execution never reaches here: the Aggregate task
 * reports `changed: false` for a run already marked, and this handler re-checks `outcome.notified`.
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
    const messageId = await deps.publish(alert);
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
