import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallRecorder } from '../../../lambdas/audit/calls.js';
import { connectDb, PG_CONNECT_ROUND_TRIPS } from '../../../lambdas/clients/pg.js';
import { startPgHarness, type PgHarness } from './harness.js';

let h: PgHarness;
beforeAll(async () => {
  h = await startPgHarness();
});
afterAll(() => h.stop());

describe('Constant: PG_CONNECT_ROUND_TRIPS', () => {
  it('is the number of dependent round trips of a TLS + SCRAM connect, counted on the wire', async () => {
    const before = h.part.proxy.turns;
    const calls = new CallRecorder();
    const conn = await connectDb({
      db: h.database,
      credentials: { user: h.env.secrets.dbUser, password: h.env.secrets.dbPassword },
      callMs: 5_000,
      calls,
    });
    const afterConnect = h.part.proxy.turns;
    await conn.close();
    expect(afterConnect - before).toBe(PG_CONNECT_ROUND_TRIPS);
    expect(calls.list()[0]).toMatchObject({ operation: 'connect', depth: PG_CONNECT_ROUND_TRIPS });
  });
});
