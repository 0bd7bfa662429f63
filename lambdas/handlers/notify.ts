import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Context } from 'aws-lambda';
import { AuditError } from '../audit/errors.js';
import { publishAlert } from '../notify/publish.js';
import type { AlertMessage } from '../notify/render.js';
import { FindingsStore } from '../store/findings-store.js';
import { documentClient } from './dynamo.js';
import { count, lambdaEntry, lambdaTelemetry, requireEnv, type Telemetry } from './telemetry.js';

/** What the workflow sends the Notify task: the run whose saved alert to publish (by reference). */
export interface NotifyEvent {
  deployment: string;
  executionId: string;
}

export interface NotifyOutput {
  deployment: string;
  executionId: string;
  /** An alert was published by this invocation (or by the one whose result a retry replays). */
  notified: boolean;
  messageId?: string;
  /** Why nothing was published. */
  reason?: string;
}

export type { AlertMessage };

/**
 * Idempotency records of the Notify function: items `pk = IDEMPOTENCY#notify`, `sk = <hash of deployment
 * and execution id>` in the findings table, expiring through its TTL attribute.
 */
export const NOTIFY_IDEMPOTENCY = {
  staticPkValue: 'IDEMPOTENCY#notify',
  keyPrefix: 'notify',
  /** A published alert's record is kept this long: a redrive within it publishes nothing again. */
  expiresAfterSeconds: 14 * 86_400,
} as const;

/** The idempotency persistence of the Notify function in a findings table (keys and TTL attribute). */
export function notifyPersistence(client: DynamoDBClient, tableName: string): DynamoDBPersistenceLayer {
  return new DynamoDBPersistenceLayer({
    tableName,
    awsSdkV3Client: client,
    keyAttr: 'pk',
    sortKeyAttr: 'sk',
    staticPkValue: NOTIFY_IDEMPOTENCY.staticPkValue,
    expiryAttr: 'expiresAt',
  });
}

export interface NotifyHandlerDeps {
  /** Publish one alert; returns the message id. */
  publish: (alert: AlertMessage) => Promise<string>;
  store: Pick<FindingsStore, 'alertOf' | 'markNotified'>;
  telemetry: Telemetry;
  /**
   * Powertools Idempotency persistence (the findings table): a retry after a publish returns the first
   * result, a concurrent duplicate fails with `IdempotencyAlreadyInProgressError` (retried by the workflow),
   * and the claim of an attempt that died expires with that attempt's remaining time. Without it (unit tests)
   * the handler is not idempotent.
   */
  persistence?: BasePersistenceLayer;
}

/**
 * Read the alert Aggregate saved with the run, publish it, THEN mark the run notified; once per (deployment,
 * execution) through Powertools Idempotency. A failed publish releases the idempotency record, so the retry
 * publishes; a run already marked notified (a replay) publishes nothing.
 */
export function makeNotifyHandler(
  deps: NotifyHandlerDeps,
): (event: NotifyEvent, context?: Context) => Promise<NotifyOutput> {
  const { logger } = deps.telemetry;
  const publishOnce = async (event: NotifyEvent): Promise<NotifyOutput> => {
    const base = { deployment: event.deployment, executionId: event.executionId };
    const { alert, notified } = await deps.store.alertOf(event.deployment, event.executionId);
    if (notified) return { ...base, notified: false, reason: 'already notified' };
    if (!alert) return { ...base, notified: false, reason: 'nothing changed' };
    const messageId = await deps.publish(alert);
    const marked = await deps.store.markNotified(event.deployment, event.executionId);
    logger.info('alert published', { messageId, subject: alert.subject, marked });
    count(deps.telemetry, 'AlertsPublished');
    return { ...base, notified: true, messageId };
  };
  const idempotent = deps.persistence
    ? makeIdempotent((event: NotifyEvent, _context: Context) => publishOnce(event), {
        persistenceStore: deps.persistence,
        keyPrefix: NOTIFY_IDEMPOTENCY.keyPrefix,
        config: new IdempotencyConfig({
          eventKeyJmesPath: '[deployment, executionId]',
          expiresAfterSeconds: NOTIFY_IDEMPOTENCY.expiresAfterSeconds,
          throwOnNoIdempotencyKey: true,
        }),
      })
    : undefined;
  return async (event, context) => {
    if (!event || typeof event.deployment !== 'string' || typeof event.executionId !== 'string') {
      throw new AuditError('notify event needs deployment and executionId');
    }
    logger.appendKeys({ deployment: event.deployment, executionId: event.executionId });
    if (!idempotent) return publishOnce(event);
    if (!context) throw new AuditError('the idempotent notify handler needs the Lambda context');
    return idempotent(event, context);
  };
}

const telemetry = await lambdaTelemetry('notify');
let run: ((event: NotifyEvent, context?: Context) => Promise<NotifyOutput>) | undefined;

/** Built on the first invocation (not at import, so the local workflow can import this module). */
function init(): (event: NotifyEvent, context?: Context) => Promise<NotifyOutput> {
  const topicArn = requireEnv('TOPIC_ARN');
  const tableName = requireEnv('TABLE_NAME');
  const tracer = telemetry.tracer;
  const sns = new SNSClient({});
  const ddb = new DynamoDBClient({});
  const traced = tracer?.captureAWSv3Client(ddb) ?? ddb;
  const client = tracer?.captureAWSv3Client(sns) ?? sns;
  return makeNotifyHandler({
    publish: (alert) => publishAlert(client, topicArn, alert),
    store: new FindingsStore({ client: documentClient(traced), tableName }),
    telemetry,
    persistence: notifyPersistence(traced, tableName),
  });
}

/** Lambda entry point: topic from `TOPIC_ARN`, table (run items, idempotency records) from `TABLE_NAME`. */
export const handler = lambdaEntry(telemetry, (event: NotifyEvent, context: Context) =>
  (run ??= init())(event, context),
);
