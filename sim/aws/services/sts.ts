import type { AwsRequest, AwsService, Route } from '../protocol.js';

/** Identity of the sim's static credentials. */
export const callerIdentity = (accountId: string) => ({
  UserId: 'AIDASIMULATEDAUDITOR1',
  Account: accountId,
  Arn: `arn:aws:iam::${accountId}:user/coder-auditor-sim`,
});

/** STS (awsQuery): GetCallerIdentity. */
export const stsService: AwsService = {
  signingName: 'sts',
  sim: 'sts',
  protocol: 'query',
  xmlns: 'https://sts.amazonaws.com/doc/2011-06-15/',
  route(req: AwsRequest): Route | undefined {
    return req.form.get('Action') === 'GetCallerIdentity'
      ? { operation: 'GetCallerIdentity', run: (world) => callerIdentity(world.accountId) }
      : undefined;
  },
};
