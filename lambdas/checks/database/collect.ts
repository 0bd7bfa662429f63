import { known, settle, type Fact } from '../../audit/fact.js';
import type { CollectContext } from '../../audit/group.js';
import {
  DatabaseError,
  connectDb,
  resolveDbCredentials,
  type DatabaseConfig,
  type DbConnection,
} from '../../clients/pg.js';
import { databaseResource } from './lib.js';
import { redactSql } from '../../audit/redact.js';
import type { Connectivity, ConnectionUsage, DatabaseSnapshot, Session } from './snapshot.js';

const USAGE_SQL = `SELECT
  (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::int AS connections,
  current_setting('max_connections')::int AS max_connections,
  current_setting('superuser_reserved_connections')::int
    + coalesce(current_setting('reserved_connections', true), '0')::int AS reserved_connections`;

/** The runbook's long-running-query listing, extended to idle transactions; $1 is an age in seconds. */
const SESSIONS_SQL = `SELECT pid, usename AS user, application_name, state,
  extract(epoch FROM now() - query_start)::float8 AS query_age_seconds,
  extract(epoch FROM now() - state_change)::float8 AS state_age_seconds,
  left(query, 1000) AS query
FROM pg_stat_activity
WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
  AND ((state = 'active' AND query_start < now() - make_interval(secs => $1))
    OR (state LIKE 'idle in transaction%' AND state_change < now() - make_interval(secs => $1)))
ORDER BY least(query_start, state_change)
LIMIT 50`;

const SIZE_SQL = `SELECT pg_database_size(current_database())::text AS bytes`;

interface SessionRow {
  pid: number;
  user: string | null;
  application_name: string | null;
  state: string;
  query_age_seconds: number | null;
  state_age_seconds: number | null;
  query: string | null;
}

type Opened = { conn: DbConnection; connectMs: number } | { failure: DatabaseError };

async function open(ctx: CollectContext, db: DatabaseConfig): Promise<Opened> {
  const credentials = await resolveDbCredentials(db, ctx.aws, ctx.signal);
  const t0 = performance.now();
  try {
    const conn = await connectDb({
      db,
      credentials,
      callMs: ctx.deployment.timeouts.callMs,
      calls: ctx.calls,
      signal: ctx.signal,
    });
    return { conn, connectMs: Math.round(performance.now() - t0) };
  } catch (err) {
    if (err instanceof DatabaseError) return { failure: err };
    throw err;
  }
}

function unavailable<T>(name: string, error: string): Fact<T> {
  return { ok: false, name, error };
}

/**
 * Read every database fact over one connection: connect, then `SELECT 1`, the connection count, the
 * old sessions and the size, pipelined in one round trip. A refused connection is the connectivity
 * finding; the other facts then could not be read.
 */
export async function collectDatabase(ctx: CollectContext): Promise<DatabaseSnapshot> {
  const db = ctx.deployment.database!;
  const t = ctx.deployment.thresholds;
  const base = {
    resource: databaseResource(ctx.deployment),
    endpoint: `${db.host}:${db.port}/${db.database}`,
  };
  const opened = await settle('database connection', () => open(ctx, db), ctx.signal);
  const withoutConnection = (connectivity: Fact<Connectivity>, reason: string): DatabaseSnapshot => ({
    ...base,
    connectivity,
    usage: unavailable('pg_stat_activity connection count', reason),
    sessions: unavailable('pg_stat_activity sessions', reason),
    sizeBytes: unavailable('pg_database_size', reason),
  });
  if (!opened.ok) return withoutConnection(opened, opened.error);
  if ('failure' in opened.value) {
    const { kind, message } = opened.value.failure;
    const connectivity = known<Connectivity>({
      reachable: false,
      stage: 'connect',
      failure: kind,
      reason: message,
    });
    return withoutConnection(connectivity, `no database connection: ${message}`);
  }
  const { conn, connectMs } = opened.value;
  try {
    const [connectivity, usage, sessions, sizeBytes] = await Promise.all([
      settle('SELECT 1', () => ping(conn, connectMs), ctx.signal),
      settle('pg_stat_activity connection count', () => readUsage(conn), ctx.signal),
      settle(
        'pg_stat_activity sessions',
        () => readSessions(conn, Math.min(t.longQueryMinutes, t.idleInTransactionMinutes) * 60),
        ctx.signal,
      ),
      settle(
        'pg_database_size',
        async () => Number((await conn.query<{ bytes: string }>('database size', SIZE_SQL))[0]?.bytes),
        ctx.signal,
      ),
    ]);
    return { ...base, connectivity, usage, sessions, sizeBytes };
  } finally {
    await conn.close();
  }
}

async function ping(conn: DbConnection, connectMs: number): Promise<Connectivity> {
  const t0 = performance.now();
  try {
    await conn.query('SELECT 1', 'SELECT 1');
    return { reachable: true, connectMs, roundTripMs: Math.round(performance.now() - t0) };
  } catch (err) {
    if (!(err instanceof DatabaseError)) throw err;
    return { reachable: false, stage: 'query', failure: err.kind, reason: err.message };
  }
}

async function readUsage(conn: DbConnection): Promise<ConnectionUsage> {
  const rows = await conn.query<{
    connections: number;
    max_connections: number;
    reserved_connections: number;
  }>('connections', USAGE_SQL);
  const r = rows[0];
  if (!r) throw new Error('connection count query returned no row');
  return {
    connections: r.connections,
    maxConnections: r.max_connections,
    reservedConnections: r.reserved_connections,
  };
}

async function readSessions(conn: DbConnection, minAgeSeconds: number): Promise<Session[]> {
  const rows = await conn.query<SessionRow>('sessions', SESSIONS_SQL, [minAgeSeconds]);
  return rows.map((r) => ({
    pid: r.pid,
    user: r.user ?? '',
    applicationName: r.application_name ?? '',
    state: r.state,
    queryAgeSeconds: r.query_age_seconds ?? 0,
    stateAgeSeconds: r.state_age_seconds ?? 0,
    query: redactSql(r.query ?? ''),
  }));
}
