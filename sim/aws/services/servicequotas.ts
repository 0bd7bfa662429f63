import { AwsError, jsonBody, type AwsRequest, type AwsService, type Route, type World } from '../protocol.js';

function getServiceQuota(input: Record<string, unknown>, world: World): unknown {
  const serviceCode = String(input.ServiceCode ?? '');
  const quotaCode = String(input.QuotaCode ?? '');
  const q = world.state.quotas[quotaCode];
  if (!q || q.serviceCode !== serviceCode) {
    throw new AwsError(
      'NoSuchResourceException',
      `The request failed because the specified quota ${quotaCode} for service ${serviceCode} doesn't exist.`,
    );
  }
  return {
    Quota: {
      ServiceCode: q.serviceCode,
      ServiceName: q.serviceCode === 'ec2' ? 'Amazon Elastic Compute Cloud (Amazon EC2)' : q.serviceCode,
      QuotaArn: `arn:aws:servicequotas:${world.region}:${world.accountId}:${q.serviceCode}/${quotaCode}`,
      QuotaCode: quotaCode,
      QuotaName: q.name,
      Value: q.value,
      Unit: q.unit,
      Adjustable: q.adjustable,
      GlobalQuota: false,
      QuotaAppliedAtLevel: 'ACCOUNT',
    },
  };
}

/** Service Quotas (awsJson1_1). */
export const serviceQuotasService: AwsService = {
  signingName: 'servicequotas',
  sim: 'servicequotas',
  protocol: 'json',
  route(req: AwsRequest): Route | undefined {
    if (req.headers['x-amz-target'] !== 'ServiceQuotasV20190624.GetServiceQuota') return undefined;
    return { operation: 'GetServiceQuota', run: (world) => getServiceQuota(jsonBody(req), world) };
  },
};
