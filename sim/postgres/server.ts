import type { Client } from 'pg';
import type { SimEnv, SimPart } from '../env.js';
import { delay } from '../faults.js';
import type { Scenario } from '../scenario.js';
import { APP_DATABASE, APP_ROLE, startPgServer, type PgServer } from './embedded.js';
import { parsePostgresScenario, type PostgresScenario } from './model.js';
import { startPgProxy, type PgProxy } from './proxy.js';

/** The CA that signed the sim's server certificate; the audit verifies PostgreSQL's TLS with it. */
import { SIM_CA_FILE } from '../paths.js';

export { SIM_CA_FILE };

/** The server process of a connected client (`pg` sets it from BackendKeyData; its types omit it). */
function backendPid(c: Client): number | undefined {
  const pid = (c as unknown as { processID?: number | null }).processID;
  return pid ? pid : undefined;
}

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
    // The age clock starts once every session is connected (connecting can be slow on a busy machine), and
    // the server stamps query_start/state_change on receipt: leave a margin on top of the age.
    if (waitMs > 0) await delay(waitMs + 250);
  }

  /**
   * Terminate every session server-side (pg_sleep outlives its client) and wait until they are gone;
   * throws if some are still there.
   */
  public async close(): Promise<void> {
    const pids = this.clients.map(backendPid).filter((pid): pid is number => pid !== undefined);
    const clients = this.clients.splice(0);
    try {
      if (pids.length > 0) await waitBackendsGone(this.server, pids, { terminate: true });
    } finally {
      await Promise.all(clients.map((c) => c.end().catch(() => {})));
    }
  }
}

/**
 * Wait (about 2 s at most) until the backends `pids` have left `pg_stat_activity`, terminating them first
 * when asked; throws if they are still there, so that a caller never counts connections against stray
 * backends. The superuser session used for that is the same kind the caller just closed: its own backend
 * leaves `pg_stat_activity` before the server closes its socket, which `end()` waits for.
 */
async function waitBackendsGone(
  server: PgServer,
  pids: number[],
  { terminate = false }: { terminate?: boolean } = {},
): Promise<void> {
  const admin = server.client();
  await admin.connect();
  try {
    if (terminate)
      await admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [pids]);
    for (let i = 0; ; i++) {
      const r = await admin.query<{ pid: number }>(
        'SELECT pid FROM pg_stat_activity WHERE pid = ANY($1::int[])',
        [pids],
      );
      if (r.rows.length === 0) return;
      if (i >= 100)
        throw new Error(`PostgreSQL backends still present: ${r.rows.map((row) => row.pid).join(', ')}`);
      await delay(20);
    }
  } finally {
    await admin.end();
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
    const adminPid = backendPid(admin);
    try {
      const user = admin.escapeIdentifier(env.secrets.dbUser);
      await admin.query(`
        CREATE ROLE ${user} LOGIN PASSWORD ${admin.escapeLiteral(env.secrets.dbPassword)} IN ROLE pg_monitor;
        GRANT CONNECT ON DATABASE ${APP_DATABASE} TO ${user};`);
    } finally {
      await admin.end();
    }
    // Tests count connections right after start: no stray setup backend may be left.
    if (adminPid) await waitBackendsGone(server, [adminPid]);
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
