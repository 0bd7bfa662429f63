import { secretResource, type AwsRead } from '../../audit/reads.js';

/** What the coder collector reads from AWS: the auditor's Coder session token. */
export const CODER_READS: readonly AwsRead[] = [
  {
    sid: 'CoderToken',
    actions: ['secretsmanager:GetSecretValue'],
    resources: (d, ctx) => (d.coder ? [secretResource(d.coder.tokenSecretId, ctx)] : []),
  },
];
