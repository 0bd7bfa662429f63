import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallRecorder } from '../../lambdas/audit/calls.js';
import type { DeploymentInput } from '../../lambdas/audit/config.js';
import {
  DatabaseError,
  classifyDbError,
  connectDb,
  resolveDbCredentials,
  type DatabaseConfig,
  PG_CONNECT_ROUND_TRIPS,
} from '../../lambdas/clients/pg.js';
import { startPgHarness, type PgHarness } from '../sim/postgres/harness.js';

const CANARY = 'PGCLIENTCANARY91';
let h: PgHarness;

beforeAll(async () => {
  h = await startPgHarness(undefined, CANARY);
});
afterAll(async () => {
  await h?.stop();
});

function dbConfig(over: Partial<NonNullable<DeploymentInput['database']>> = {}): DatabaseConfig {
  return h.deployment({ database: { ...h.database, ...over } }).database!;
}

async function connectError(db: DatabaseConfig, password: string): Promise<DatabaseError> {
  const err = await connectDb({
    db,
    credentials: { user: db.user, password },
    callMs: 2_000,
    calls: new CallRecorder(),
  }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DatabaseError);
  return err as DatabaseError;
}

describe('Function: connectDb', () => {
  it('connects over verified TLS with the secret credentials and records every call', async () => {
    const db = dbConfig();
    const calls = new CallRecorder();
    const credentials = await resolveDbCredentials(db, h.aws);
    expect(credentials).toEqual({ user: 'coder_auditor', password: `${CANARY}-dbpw` });
    const conn = await connectDb({ db, credentials, callMs: 2_000, calls });
    try {
      const [ssl, who] = await Promise.all([
        conn.query<{ ssl: boolean }>('ssl', 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()'),
        conn.query<{ user: string; timeout: string }>(
          'who',
          "SELECT current_user AS user, current_setting('statement_timeout') AS timeout",
        ),
      ]);
      expect(ssl[0]?.ssl).toBe(true);
      expect(who[0]).toEqual({ user: 'coder_auditor', timeout: '2s' });
    } finally {
      await conn.close();
    }
    expect(calls.list().map((c) => `${c.service}:${c.operation}:${c.resource}:${c.depth}`)).toEqual([
      `postgres:connect:127.0.0.1:${h.database.port}/coder:${PG_CONNECT_ROUND_TRIPS}`,
      `postgres:ssl:127.0.0.1:${h.database.port}/coder:${PG_CONNECT_ROUND_TRIPS + 1}`,
      `postgres:who:127.0.0.1:${h.database.port}/coder:${PG_CONNECT_ROUND_TRIPS + 1}`,
    ]);
  });

  it('fails TLS verification without the sim CA (Node trust store only)', async () => {
    const err = await connectError(dbConfig({ tls: { disable: false } }), `${CANARY}-dbpw`);
    expect(err.kind).toBe('tls');
  });

  it('is rejected without TLS: the server only accepts hostssl', async () => {
    const err = await connectError(dbConfig({ tls: { disable: true } }), `${CANARY}-dbpw`);
    expect(err.kind).toBe('auth');
    expect(err.message).toContain('no encryption');
  });

  it('classifies a wrong password as auth and never shows it', async () => {
    const wrong = `${CANARY}-wrong-password`;
    const err = await connectError(dbConfig(), wrong);
    expect(err.kind).toBe('auth');
    expect(err.code).toBe('28P01');
    expect(JSON.stringify({ message: err.message, stack: err.stack })).not.toContain(CANARY);
  });

  it('turns a query error into a DatabaseError and keeps the connection usable (pipeline)', async () => {
    const db = dbConfig();
    const conn = await connectDb({
      db,
      credentials: await resolveDbCredentials(db, h.aws),
      callMs: 2_000,
      calls: new CallRecorder(),
    });
    try {
      const [bad, good] = await Promise.allSettled([
        conn.query('bad', 'SELECT * FROM no_such_table'),
        conn.query<{ n: number }>('good', 'SELECT 7 AS n'),
      ]);
      expect(bad).toMatchObject({ status: 'rejected', reason: { name: 'DatabaseError', code: '42P01' } });
      expect(good).toMatchObject({ status: 'fulfilled', value: [{ n: 7 }] });
    } finally {
      await conn.close();
    }
  });

  it('a statement that outlives callMs times out', async () => {
    const db = dbConfig();
    const conn = await connectDb({
      db,
      credentials: await resolveDbCredentials(db, h.aws),
      callMs: 1_500,
      calls: new CallRecorder(),
    });
    try {
      const err = await conn.query('sleep', 'SELECT pg_sleep(5)').catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'DatabaseError', kind: 'timeout' });
    } finally {
      await conn.close();
    }
  });

  it('destroys the connection when the signal aborts', async () => {
    const db = dbConfig();
    const controller = new AbortController();
    const conn = await connectDb({
      db,
      credentials: await resolveDbCredentials(db, h.aws),
      callMs: 30_000,
      calls: new CallRecorder(),
      signal: controller.signal,
    });
    const running = conn.query('sleep', 'SELECT pg_sleep(20)').catch((e: unknown) => e);
    setTimeout(() => controller.abort(new Error('deadline')), 100);
    expect(await running).toMatchObject({ name: 'DatabaseError' });
    await conn.close();
  });
});

describe('Function: classifyDbError', () => {
  it.each([
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 10.0.0.1:5432' }, 'refused'],
    [{ code: 'ECONNRESET', message: 'read ECONNRESET' }, 'refused'],
    [new Error('Connection terminated unexpectedly'), 'refused'],
    [new Error('timeout expired'), 'timeout'],
    [{ code: '57014', message: 'canceling statement due to statement timeout' }, 'timeout'],
    [{ code: '28P01', message: 'password authentication failed for user "a"' }, 'auth'],
    [{ code: '28000', message: 'pg_hba.conf rejects connection' }, 'auth'],
    [{ code: '53300', message: 'sorry, too many clients already' }, 'saturated'],
    [{ code: '3D000', message: 'database "x" does not exist' }, 'not-found'],
    [{ code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND db' }, 'dns'],
    [{ code: 'SELF_SIGNED_CERT_IN_CHAIN', message: 'self-signed certificate in certificate chain' }, 'tls'],
    [new Error('The server does not support SSL connections'), 'tls'],
    [{ code: '42P01', message: 'relation "x" does not exist' }, 'other'],
  ])('classifies %o as %s', (err, kind) => {
    expect(classifyDbError(err).kind).toBe(kind);
  });

  it('strips every secret from the message', () => {
    const e = classifyDbError(new Error('bad password s3cr3t-token-value in s3cr3t-token-value'), [
      's3cr3t-token-value',
    ]);
    expect(e.message).toBe('bad password [redacted] in [redacted]');
  });
});
