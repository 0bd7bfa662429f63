import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CallRecorder } from '../../lambdas/audit/calls.js';
import type { AwsClients } from '../../lambdas/clients/aws.js';
import { connectDb, resolveDbCredentials } from '../../lambdas/clients/pg.js';
import { testDeployment } from '../fixtures/deployment.js';

const deployment = testDeployment({
  database: {
    host: 'coder-prod-aurora.cluster-c0de.us-east-1.rds.amazonaws.com',
    port: 5432,
    user: 'coder_auditor',
    auth: { type: 'iam' },
    tls: { disable: true },
  },
});
const db = deployment.database!;
const aws = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIAIAMTEST000000001', secretAccessKey: 'iam/test/secret' },
} as unknown as AwsClients;

afterEach(() => vi.restoreAllMocks());

describe('Function: resolveDbCredentials (IAM)', () => {
  it('signs an rds-db connect token for the host, port, user and region', async () => {
    const { user, password } = await resolveDbCredentials(db, aws);
    expect(user).toBe('coder_auditor');
    const url = new URL(`https://${password}`);
    expect(url.host).toBe('coder-prod-aurora.cluster-c0de.us-east-1.rds.amazonaws.com:5432');
    expect(url.searchParams.get('Action')).toBe('connect');
    expect(url.searchParams.get('DBUser')).toBe('coder_auditor');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(
      /^AKIAIAMTEST000000001\/\d{8}\/us-east-1\/rds-db\/aws4_request$/,
    );
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('Function: connectDb (IAM token)', () => {
  it('uses the token as the password and hides it from errors', async () => {
    const credentials = await resolveDbCredentials(db, aws);
    const seen: pg.ClientConfig[] = [];
    class FakeClient {
      public connection = { stream: { destroy() {} } };
      public constructor(config: pg.ClientConfig) {
        seen.push(config);
      }
      public on() {
        return this;
      }
      public async connect() {
        throw new Error(`PAM authentication failed for token ${credentials.password}`);
      }
      public async end() {}
    }
    vi.spyOn(pg, 'Client').mockImplementation(FakeClient as unknown as typeof pg.Client);
    const err = await connectDb({ db, credentials, callMs: 1_000, calls: new CallRecorder() }).catch(
      (e: unknown) => e,
    );
    expect(seen[0]).toMatchObject({
      host: db.host,
      port: 5432,
      user: 'coder_auditor',
      password: credentials.password,
      database: 'coder',
      connectionTimeoutMillis: 1_000,
      statement_timeout: 1_000,
      query_timeout: 1_000,
    });
    expect(err).toMatchObject({
      name: 'DatabaseError',
      message: 'PAM authentication failed for token [redacted]',
    });
  });
});
