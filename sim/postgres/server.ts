import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from 'pg';
import type { SimEnv, SimPart } from '../env.js';
import { delay } from '../faults.js';
import type { Scenario } from '../scenario.js';
import { APP_DATABASE, APP_ROLE, startPgServer, type PgServer } from './embedded.js';
import { parsePostgresScenario, type PostgresScenario } from './model.js';
import { startPgProxy, type PgProxy } from './proxy.js';

/** The CA that signed the sim's server certificate; the audit verifies PostgreSQL's TLS with it. */
export const SIM_CA_FILE = join(dirname(fileURLToPath(import.meta.url)), '..', 'tls', 'ca.pem');

/** The real sessions one scenario holds open. */
class Sessions {
  private readonly clients: Client[] = [];

  public constructor(private readonly server: PgServer) {}

  /** Open the scenario's sessions; resolve once each is as old as the scenario says. */
  public async open(model: PostgresScenario): Promise<void> {
    const open = async (app: string) => {
      const c = this.server.client(APP_ROLE, app);
      this.clients.push(c);
      await c.connect();
      return c;
    };
    const started = Date.now();
    let waitMs = 0;
    const opening: Promise<unknown>[] = [];
    for (const q of model.longRunningQueries) {
      waitMs = Math.max(waitMs, q.seconds * 1000);
      opening.push(open('coderd').then((c) => void c.query(q.query).catch(() => {})));
    }
    for (const idle of model.idleInTransaction) {
      waitMs = Math.max(waitMs, idle.seconds * 1000);
      for (let i = 0; i < idle.count; i++) {
        opening.push(open('coderd').then((c) => c.query('BEGIN; SELECT 1;')));
      }
    }
    for (let i = 0; i < model.extraConnections; i++) opening.push(open('coderd'));
    await Promise.all(opening);
    // The server stamps query_start/state_change on receipt: leave a margin on top of the age.
    if (waitMs > 0) await delay(waitMs + 250 - (Date.now() - started));
  }

  /** Terminate every session server-side (pg_sleep outlives its client) and wait until they are gone. */
  public async close(): Promise<void> {
    const pids = this.clients.map((c) => (c as unknown as { processID?: number }).processID).filter(Boolean);
    const clients = this.clients.splice(0);
    if (pids.length > 0) {
      const admin = this.server.client();
      await admin.connect();
      try {
        await admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [pids]);
        for (let i = 0; i < 100; i++) {
          const r = await admin.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = ANY($1::int[])',
            [pids],
          );
          if (r.rows[0]?.n === 0) break;
          await delay(20);
        }
      } finally {
        await admin.end();
      }
    }
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
  }
}

/** The PostgreSQL part, with its server exposed for tests (superuser sessions over the Unix socket). */
export interface PostgresSimPart extends SimPart {
  server: PgServer;
  /** The fault proxy the audit connects through (counts round trips). */
  proxy: PgProxy;
}

/**
 * The PostgreSQL part of the simulated deployment: a real PostgreSQL 16 server (TLS with the sim
 * certificate, `max_connections` 20, database `coder`, the auditor role with `pg_monitor`) behind a TCP
 * proxy where `postgres`/`connect` faults apply. The scenario's sessions are real connections.
 */
export async function startPostgresSim(
  env: SimEnv,
  scenario: Scenario,
  _now: Date,
): Promise<PostgresSimPart> {
  let model = parsePostgresScenario(scenario.postgres, scenario.name);
  const server = await startPgServer(env.dataDir, env.tls);
  const proxy = await startPgProxy({ host: '127.0.0.1', port: server.port }, () =>
    model.refuse ? { delayMs: 0, failure: 'refuse' } : env.faults.decide('postgres', 'connect'),
  );
  const sessions = new Sessions(server);
  try {
    const admin = server.client();
    await admin.connect();
    try {
      const user = admin.escapeIdentifier(env.secrets.dbUser);
      await admin.query(`
        CREATE ROLE ${user} LOGIN PASSWORD ${admin.escapeLiteral(env.secrets.dbPassword)} IN ROLE pg_monitor;
        GRANT CONNECT ON DATABASE ${APP_DATABASE} TO ${user};`);
    } finally {
      await admin.end();
    }
    await sessions.open(model);
  } catch (err) {
    await Promise.allSettled([proxy.stop(), server.stop()]);
    throw err;
  }
  return {
    name: 'postgres',
    server,
    proxy,
    config: {
      database: {
        host: '127.0.0.1',
        port: proxy.port,
        database: APP_DATABASE,
        user: env.secrets.dbUser,
        auth: { type: 'secret', secretId: env.secrets.dbSecretId },
        tls: { caFile: SIM_CA_FILE },
      },
    },
    async apply(next) {
      const nextModel = parsePostgresScenario(next.postgres, next.name);
      await sessions.close();
      model = nextModel;
      await sessions.open(model);
    },
    async stop() {
      await sessions.close().catch(() => {});
      await proxy.stop();
      await server.stop();
    },
  };
}
