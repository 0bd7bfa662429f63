import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { AuditError } from '../audit/errors.js';
import { SEVERITIES, severityRank, type Severity } from '../audit/model.js';
import type { AlertMessage } from './render.js';

/** SNS accepted the publish call but returned no message id. */
export class PublishError extends AuditError {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PublishError';
  }
}

/**
 * Publish one alert to an SNS topic. `severity` and `deployment` go out as String message attributes and
 * `severityRank` as a Number (5 critical ... 1 info), so that subscriptions filter by deployment and by a
 * minimum severity with numeric matching (lib/routing.ts). Returns the SNS message id.
 */
export async function publishAlert(sns: SNSClient, topicArn: string, alert: AlertMessage): Promise<string> {
  const out = await sns.send(
    new PublishCommand({
      TopicArn: topicArn,
      Subject: alert.subject,
      Message: alert.text,
      MessageAttributes: {
        severity: { DataType: 'String', StringValue: alert.attributes.severity },
        deployment: { DataType: 'String', StringValue: alert.attributes.deployment },
        ...(SEVERITIES.includes(alert.attributes.severity as Severity)
          ? {
              severityRank: {
                DataType: 'Number',
                StringValue: String(severityRank(alert.attributes.severity as Severity)),
              },
            }
          : {}),
      },
    }),
  );
  if (!out.MessageId) throw new PublishError(`SNS returned no message id for topic ${topicArn}`);
  return out.MessageId;
}
