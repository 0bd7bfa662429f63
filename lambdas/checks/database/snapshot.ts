import type { Fact } from '../../audit/fact.js';
import type { DbFailure } from '../../clients/pg.js';

/** Outcome of connecting and running `SELECT 1`: a refused connection is a fact, not a failed read. */
export type Connectivity =
  | {
      reachable: true;
      /** TCP + TLS + authentication. */
      connectMs: number;
      /** One `SELECT 1` round trip. */
      roundTripMs: number;
    }
  | {
      reachable: false;
      /** Where it failed: opening the connection, or the `SELECT 1` on it. */
      stage: 'connect' | 'query';
      failure: DbFailure;
      /** Log-safe error message (no password, no token). */
      reason: string;
    };

/** Client connections against the slots a non-superuser can take. */
export interface ConnectionUsage {
  /** Client backends in `pg_stat_activity`, the auditor's own included. */
  connections: number;
  maxConnections: number;
  /** `superuser_reserved_connections` + `reserved_connections`. */
  reservedConnections: number;
}

/** A client session from `pg_stat_activity` (the auditor's own excluded). */
export interface Session {
  pid: number;
  user: string;
  applicationName: string;
  /** `active`, `idle in transaction`, `idle in transaction (aborted)`... */
  state: string;
  /** Seconds since the current (or last) query started. */
  queryAgeSeconds: number;
  /** Seconds since the state last changed (how long it has been idle in its transaction). */
  stateAgeSeconds: number;
  /** Statement text, literals replaced by `?`, at most 200 characters. */
  query: string;
}

/** Everything the database checks read, collected over one connection. */
export interface DatabaseSnapshot {
  /** `<aurora cluster id>/<database>`: the resource of every database finding. */
  resource: string;
  /** `host:port/database`, for the evidence. */
  endpoint: string;
  connectivity: Fact<Connectivity>;
  usage: Fact<ConnectionUsage>;
  /** Active and idle-in-transaction sessions older than the smaller of the two age thresholds. */
  sessions: Fact<Session[]>;
  /** `pg_database_size` of the audited database, in bytes. */
  sizeBytes: Fact<number>;
}
