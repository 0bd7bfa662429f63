import { secretResource, type AwsRead } from '../../audit/reads.js';

/** What the database collector reads from AWS: the password secret, or an IAM auth token as the user. */
export const DATABASE_READS: readonly AwsRead[] = [
  {
    sid: 'DatabaseSecret',
    actions: ['secretsmanager:GetSecretValue'],
    resources: (d, ctx) =>
      d.database?.auth.type === 'secret' ? [secretResource(d.database.auth.secretId, ctx)] : [],
  },
  {
    sid: 'DatabaseIamConnect',
    actions: ['rds-db:connect'],
    resources: (d, ctx) =>
      d.database?.auth.type === 'iam'
        ? [ctx.arn('rds-db', `dbuser:${ctx.dbResourceId ?? '*'}/${d.database.user}`)]
        : [],
  },
];
