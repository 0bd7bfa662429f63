import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambdas/audit/config.js';
import { ConfigError } from '../../../lambdas/audit/errors.js';
import { baseSimDeployment } from '../../../sim/deployment.js';
import { parsePostgresScenario } from '../../../sim/postgres/model.js';
import { SIM_CA_FILE } from '../../../sim/postgres/server.js';
import { deepMerge, loadScenario } from '../../../sim/scenario.js';
import { pgScenario, startPgHarness, type PgHarness } from './harness.js';

let h: PgHarness;

beforeAll(async () => {
  h = await startPgHarness(
    pgScenario({ extraConnections: 3, idleInTransaction: [{ count: 1, seconds: 0 }] }),
  );
});
afterAll(async () => {
  await h?.stop();
});

/** Sessions of the application role, by state. */
async function appSessions(): Promise<Record<string, number>> {
  const rows = await h.admin<{ state: string; n: number }>(
    "SELECT state, count(*)::int AS n FROM pg_stat_activity WHERE usename = 'coder' GROUP BY state ORDER BY state",
  );
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}

describe('Function: startPostgresSim', () => {
  it('hands the audit a valid database config: the proxy, secret auth and the sim CA', () => {
    const deployment = parseConfig(deepMerge(baseSimDeployment(), h.part.config)).deployments[0]!;
    expect(deployment.database).toEqual({
      host: '127.0.0.1',
      port: h.database.port,
      database: 'coder',
      user: 'coder_auditor',
      auth: { type: 'secret', secretId: h.env.secrets.dbSecretId },
      tls: { caFile: SIM_CA_FILE, disable: false },
    });
    expect(existsSync(SIM_CA_FILE)).toBe(true);
    expect(h.database.port).not.toBe(h.part.server.port);
  });

  it('runs PostgreSQL 16 with few slots, SSL on, the coder data and a pg_monitor auditor role', async () => {
    const [row] = await h.admin<Record<string, string | boolean>>(`SELECT
      current_setting('server_version_num') AS version, current_setting('max_connections') AS max,
      current_setting('ssl') AS ssl, (SELECT count(*) FROM workspaces)::text AS workspaces,
      pg_has_role('coder_auditor', 'pg_monitor', 'member') AS monitor,
      has_database_privilege('coder_auditor', 'coder', 'CONNECT') AS connect`);
    expect(row).toMatchObject({ max: '20', ssl: 'on', workspaces: '25', monitor: true, connect: true });
    expect(Number(row!.version)).toBeGreaterThanOrEqual(160000);
  });

  it('opens the scenario sessions, and apply replaces them', async () => {
    expect(await appSessions()).toEqual({ idle: 3, 'idle in transaction': 1 });
    await h.part.apply(pgScenario({ longRunningQueries: [{ seconds: 0.3 }] }), new Date());
    expect(await appSessions()).toEqual({ active: 1 });
    const [q] = await h.admin<{ age: number; query: string }>(
      "SELECT extract(epoch FROM now() - query_start)::float8 AS age, query FROM pg_stat_activity WHERE usename = 'coder'",
    );
    expect(q!.age).toBeGreaterThanOrEqual(0.3);
    expect(q!.query).toContain('pg_sleep');
    await h.part.apply(pgScenario(), new Date());
    expect(await appSessions()).toEqual({});
  });

  it('refuses connections when the scenario says so', async () => {
    await h.part.apply(pgScenario({ refuse: true }), new Date());
    try {
      const { Socket } = await import('node:net');
      const err = await new Promise<NodeJS.ErrnoException>((resolve) => {
        const s = new Socket();
        s.on('error', resolve);
        s.on('close', () => resolve(Object.assign(new Error('closed'), { code: 'CLOSED' })));
        s.connect(h.database.port, '127.0.0.1', () => s.write('x'));
      });
      expect(err.code).toBe('ECONNRESET');
    } finally {
      await h.part.apply(pgScenario(), new Date());
    }
  });
});

describe('Scenarios: postgres', () => {
  it.each([
    ['db-long-running-query', { longRunningQueries: [{ seconds: 2 }] }, ['db-long-running-queries'], []],
    ['db-connections-saturated', { extraConnections: 14 }, ['db-connections-usage'], []],
    [
      'db-refusing-connections',
      {},
      ['db-connectivity'],
      ['db-connections-usage', 'db-long-running-queries', 'db-idle-in-transaction', 'db-size'],
    ],
  ])('%s parses and states what fails', (name, postgres, failing, erroring) => {
    const scenario = loadScenario(name);
    expect(parsePostgresScenario(scenario.postgres, name)).toMatchObject(postgres);
    expect(scenario.expect).toEqual({ failing, erroring, skipped: [], rootCauses: expect.any(Object) });
  });

  it('lowers the long-query threshold below the session age it creates', () => {
    const s = loadScenario('db-long-running-query');
    const minutes = (s.deployment.thresholds as { longQueryMinutes: number }).longQueryMinutes;
    expect(minutes * 60).toBeLessThan(
      parsePostgresScenario(s.postgres, s.name).longRunningQueries[0]!.seconds,
    );
  });

  it('refuses postgres connections through a fault', () => {
    expect(loadScenario('db-refusing-connections').faults).toContainEqual(
      expect.objectContaining({ service: 'postgres', kind: 'refuse' }),
    );
  });

  it('rejects an invalid postgres section with the field path', () => {
    expect(() => parsePostgresScenario({ extraConnections: -1 }, 'bad')).toThrow(ConfigError);
    expect(() => parsePostgresScenario({ extraConnections: -1 }, 'bad')).toThrow(/extraConnections/);
  });
});
