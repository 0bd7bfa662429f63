import { rejection } from '../../helpers/rejection.js';
import { DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimIam } from '../../../sim/aws/iam.js';
import { SIM_IDS } from '../../../sim/deployment.js';
import { loadScenario, type Scenario } from '../../../sim/scenario.js';
import { simEnv, startTwin, type AwsTwin } from './harness.js';

const OTHER = '210987654321';
const ROLE = `arn:aws:iam::${OTHER}:role/coder-auditor-read-only`;
const USER = `arn:aws:iam::${SIM_IDS.accountId}:user/coder-auditor-sim`;

/** The healthy account, plus another account whose read-only role trusts `trust` with an external id. */
function twoAccounts(trust: string[] = [USER]): Scenario {
  const healthy = loadScenario('healthy');
  return {
    ...healthy,
    accounts: {
      [OTHER]: {
        aws: {
          iam: { roles: { 'coder-auditor-read-only': { trust, externalId: 'x-123' } } },
          // The other account's database security group lost its 5432 rule.
          ec2: { securityGroups: { [SIM_IDS.dbSecurityGroupId]: { ingress: null } } },
        },
      },
    },
  };
}

let twin: AwsTwin;
const stopped: AwsTwin[] = [];
beforeAll(async () => {
  twin = await startTwin(twoAccounts());
});
afterAll(async () => {
  await Promise.all([twin, ...stopped].map((t) => t.stop()));
});

function sts(credentials = twin.env.credentials): STSClient {
  return new STSClient({
    region: 'us-east-1',
    endpoint: twin.deployment().aws.endpoint,
    credentials,
    maxAttempts: 1,
  });
}

describe('Service: STS twin', () => {
  describe('Operation: AssumeRole', () => {
    it('issues temporary credentials and the assumed-role user, as STS answers', async () => {
      const out = await sts().send(
        new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'audit-b', ExternalId: 'x-123' }),
      );
      expect(out.Credentials).toMatchObject({
        AccessKeyId: expect.stringMatching(/^ASIA[A-Z2-7]{16}$/),
        SecretAccessKey: expect.any(String),
        SessionToken: expect.any(String),
      });
      // One hour by default.
      const ttl = out.Credentials!.Expiration!.getTime() - Date.now();
      expect(ttl).toBeGreaterThan(3500_000);
      expect(ttl).toBeLessThanOrEqual(3600_000);
      expect(out.AssumedRoleUser).toEqual({
        Arn: `arn:aws:sts::${OTHER}:assumed-role/coder-auditor-read-only/audit-b`,
        AssumedRoleId: expect.stringMatching(/^AROA[A-Z2-7]{17}:audit-b$/),
      });
    });

    it('signs with the session: GetCallerIdentity names the role session, and the other account answers', async () => {
      const out = await sts().send(
        new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'audit-b', ExternalId: 'x-123' }),
      );
      const session = {
        accessKeyId: out.Credentials!.AccessKeyId!,
        secretAccessKey: out.Credentials!.SecretAccessKey!,
        sessionToken: out.Credentials!.SessionToken!,
      };
      await expect(sts(session).send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({
        Account: OTHER,
        Arn: out.AssumedRoleUser!.Arn,
        UserId: out.AssumedRoleUser!.AssumedRoleId,
      });
      const ec2 = (credentials: typeof twin.env.credentials) =>
        new EC2Client({ region: 'us-east-1', endpoint: twin.deployment().aws.endpoint, credentials });
      const ids = { GroupIds: [SIM_IDS.dbSecurityGroupId] };
      const mine = await ec2(twin.env.credentials).send(new DescribeSecurityGroupsCommand(ids));
      const theirs = await ec2(session).send(new DescribeSecurityGroupsCommand(ids));
      expect(mine.SecurityGroups![0]).toMatchObject({ OwnerId: SIM_IDS.accountId });
      expect(mine.SecurityGroups![0]!.IpPermissions!.length).toBeGreaterThan(0);
      expect(theirs.SecurityGroups![0]).toMatchObject({ OwnerId: OTHER, IpPermissions: [] });
      expect(theirs.SecurityGroups![0]!.SecurityGroupArn).toContain(`:${OTHER}:security-group/`);
    });

    it('Noncompliance 1: AccessDenied (403) when the external id is missing or does not match', async () => {
      for (const ExternalId of [undefined, 'x-124']) {
        const err = await rejection(
          sts().send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'audit-b', ExternalId })),
        );
        expect(err).toEqual({
          name: 'AccessDenied',
          message: `User: ${USER} is not authorized to perform: sts:AssumeRole on resource: ${ROLE}`,
          status: 403,
        });
      }
    });

    it('Noncompliance 2: AccessDenied when the trust policy does not name the caller, or the role does not exist', async () => {
      const untrusted = await startTwin(
        twoAccounts([`arn:aws:iam::${SIM_IDS.accountId}:role/other`]),
        simEnv(),
      );
      stopped.push(untrusted);
      const client = new STSClient({
        region: 'us-east-1',
        endpoint: untrusted.deployment().aws.endpoint,
        credentials: untrusted.env.credentials,
        maxAttempts: 1,
      });
      const params = { RoleSessionName: 'audit-b', ExternalId: 'x-123' };
      expect(await rejection(client.send(new AssumeRoleCommand({ ...params, RoleArn: ROLE })))).toMatchObject(
        { name: 'AccessDenied', status: 403 },
      );
      const missing = `arn:aws:iam::${OTHER}:role/nope`;
      expect(
        await rejection(sts().send(new AssumeRoleCommand({ ...params, RoleArn: missing }))),
      ).toMatchObject({ name: 'AccessDenied', message: expect.stringContaining(`on resource: ${missing}`) });
    });

    it('trusts the whole account through its root principal, and ignores an external id the role does not ask for', async () => {
      const scenario = twoAccounts([`arn:aws:iam::${SIM_IDS.accountId}:root`]);
      const role = scenario.accounts[OTHER]!.aws as {
        iam: { roles: Record<string, Record<string, unknown>> };
      };
      delete role.iam.roles['coder-auditor-read-only']!.externalId;
      const rooted = await startTwin(scenario, simEnv());
      stopped.push(rooted);
      const client = new STSClient({
        region: 'us-east-1',
        endpoint: rooted.deployment().aws.endpoint,
        credentials: rooted.env.credentials,
        maxAttempts: 1,
      });
      await expect(
        client.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 's1', ExternalId: 'anything' })),
      ).resolves.toMatchObject({ AssumedRoleUser: { Arn: expect.stringContaining('/s1') } });
    });

    it('Noncompliance 3: ValidationError for a bad session name or a duration beyond the role or role chaining', async () => {
      const bad = await rejection(
        sts().send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'a b', ExternalId: 'x-123' })),
      );
      expect(bad).toMatchObject({ name: 'ValidationError', status: 400 });
      expect(bad.message).toMatch(/^1 validation error detected: .*roleSessionName/);
      const long = await rejection(
        sts().send(
          new AssumeRoleCommand({
            RoleArn: ROLE,
            RoleSessionName: 'long',
            ExternalId: 'x-123',
            DurationSeconds: 7200,
          }),
        ),
      );
      expect(long).toEqual({
        name: 'ValidationError',
        message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
        status: 400,
      });
    });

    it('Noncompliance 4: temporary credentials without their session token are refused (InvalidClientTokenId)', async () => {
      const out = await sts().send(
        new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'audit-b', ExternalId: 'x-123' }),
      );
      const withoutToken = {
        accessKeyId: out.Credentials!.AccessKeyId!,
        secretAccessKey: out.Credentials!.SecretAccessKey!,
      };
      expect(await rejection(sts(withoutToken).send(new GetCallerIdentityCommand({})))).toMatchObject({
        name: 'InvalidClientTokenId',
        status: 403,
      });
      const wrongToken = { ...withoutToken, sessionToken: 'IQoJb3JpZ2luX2VjWRONG' };
      expect(await rejection(sts(wrongToken).send(new GetCallerIdentityCommand({})))).toMatchObject({
        name: 'InvalidClientTokenId',
      });
    });
  });

  it('Noncompliance 5: temporary credentials past their expiration get ExpiredToken (EC2: RequestExpired)', async () => {
    let now = new Date();
    const env = simEnv();
    env.iam = new SimIam({ ...env.credentials, accountId: env.accountId }, () => now);
    const clocked = await startTwin(twoAccounts(), env);
    stopped.push(clocked);
    const endpoint = clocked.deployment().aws.endpoint;
    const client = (credentials: typeof env.credentials) =>
      new STSClient({ region: 'us-east-1', endpoint, credentials, maxAttempts: 1 });
    const out = await client(env.credentials).send(
      new AssumeRoleCommand({
        RoleArn: ROLE,
        RoleSessionName: 'short',
        ExternalId: 'x-123',
        DurationSeconds: 900,
      }),
    );
    const session = {
      accessKeyId: out.Credentials!.AccessKeyId!,
      secretAccessKey: out.Credentials!.SecretAccessKey!,
      sessionToken: out.Credentials!.SessionToken!,
    };
    await expect(client(session).send(new GetCallerIdentityCommand({}))).resolves.toBeDefined();
    now = new Date(now.getTime() + 901_000);
    expect(await rejection(client(session).send(new GetCallerIdentityCommand({})))).toMatchObject({
      name: 'ExpiredToken',
      message: 'The security token included in the request is expired',
      status: 403,
    });
    const ec2 = new EC2Client({ region: 'us-east-1', endpoint, credentials: session, maxAttempts: 1 });
    expect(await rejection(ec2.send(new DescribeSecurityGroupsCommand({})))).toMatchObject({
      name: 'RequestExpired',
    });
  });

  describe('Operation: GetCallerIdentity', () => {
    it("names the sim's IAM user for its static key pair", async () => {
      await expect(sts().send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({
        Account: SIM_IDS.accountId,
        Arn: USER,
      });
    });
  });
});
