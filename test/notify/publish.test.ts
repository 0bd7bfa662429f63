import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { PublishError, publishAlert } from '../../lambdas/notify/publish.js';
import type { AlertMessage } from '../../lambdas/notify/render.js';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:coder-audit-alerts';
const alert: AlertMessage = {
  subject: '[coder-audit] prod: 1 new critical',
  text: 'body\n',
  attributes: { severity: 'critical', deployment: 'prod' },
};

describe('Function: publishAlert', () => {
  const sns = mockClient(SNSClient);
  beforeEach(() => sns.reset());

  it('publishes subject, body, filterable String attributes and a numeric severity rank', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const id = await publishAlert(new SNSClient({ region: 'us-east-1' }), TOPIC, alert);
    expect(id).toBe('m-1');
    const calls = sns.commandCalls(PublishCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      TopicArn: TOPIC,
      Subject: alert.subject,
      Message: alert.text,
      MessageAttributes: {
        severity: { DataType: 'String', StringValue: 'critical' },
        deployment: { DataType: 'String', StringValue: 'prod' },
        severityRank: { DataType: 'Number', StringValue: '5' },
      },
    });
  });

  it('fails when SNS returns no message id', async () => {
    sns.on(PublishCommand).resolves({});
    await expect(publishAlert(new SNSClient({ region: 'us-east-1' }), TOPIC, alert)).rejects.toBeInstanceOf(
      PublishError,
    );
  });

  it('propagates SNS errors', async () => {
    sns.on(PublishCommand).rejects(new Error('AuthorizationError'));
    await expect(publishAlert(new SNSClient({ region: 'us-east-1' }), TOPIC, alert)).rejects.toThrow(
      'AuthorizationError',
    );
  });
});
