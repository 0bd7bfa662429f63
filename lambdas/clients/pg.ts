import type { ConnectionOptions } from 'node:tls';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { Signer } from '@aws-sdk/rds-signer';
import pg from 'pg';
import type { CallRecorder } from '../audit/calls.js';
import type { DeploymentConfig } from '../audit/config.js';
import { readTextFile } from '../audit/read-file.js';
import { AuditError } from '../audit/errors.js';
import type { AwsClients } from './aws.js';

export type DatabaseConfig = NonNullable<DeploymentConfig['database']>;

/** Why a database connection or query failed, as far as the auditor can tell. */
export const DbFailure = {
  /** TCP connection refused or reset: nothing listening, a security group/NACL reject, a proxy. */
  Refused: 'refused',
  /** No answer in time: dropped packets (security group), an overloaded server, a statement timeout. */
  Timeout: 'timeout',
  /** Wrong password/token, or no pg_hba entry for the auditor. */
  Auth: 'auth',
  /** The server certificate could not be verified, or TLS could not be negotiated. */
  Tls: 'tls',
  /** Every connection slot is taken (`too many clients`). */
  Saturated: 'saturated',
  /** The database does not exist. */
  NotFound: 'not-found',
  /** The host name does not resolve. */
  Dns: 'dns',
  /** Anything else, e.g. a query error. */
  Other: 'other',
} as const;
export type DbFailure = (typeof DbFailure)[keyof typeof DbFailure];

/** A database error whose message is safe to log and to put in findings (no password, no token). */
export class DatabaseError extends AuditError {
  public readonly kind: DbFailure;
  /** SQLSTATE or Node error code, when there is one. */
  public readonly code: string | undefined;
  public constructor(kind: DbFailure, message: string, code?: string) {
    super(message);
    this.name = 'DatabaseError';
    this.kind = kind;
    this.code = code;
  }
}

/** The auditor's database login: a role name and a password or an IAM auth token. Never log it. */
export interface DbCredentials {
  user: string;
  password: string;
}

/**
 * Credentials of the auditor's database role: an RDS IAM auth token signed with the audit's AWS
 * credentials (`auth.type: iam`), or `{username, password}` from Secrets Manager (`auth.type: secret`).
 */
export async function resolveDbCredentials(
  db: DatabaseConfig,
  aws: Pick<AwsClients, 'region' | 'credentials' | 'secrets'>,
  signal?: AbortSignal,
): Promise<DbCredentials> {
  if (db.auth.type === 'iam') {
    const signer = new Signer({
      hostname: db.host,
      port: db.port,
      username: db.user,
      region: aws.region,
      ...(aws.credentials ? { credentials: aws.credentials } : {}),
    });
    return { user: db.user, password: await signer.getAuthToken() };
  }
  const out = await aws.secrets.send(new GetSecretValueCommand({ SecretId: db.auth.secretId }), {
    abortSignal: signal,
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(out.SecretString ?? '');
  } catch {
    throw new AuditError(`secret ${db.auth.secretId} is not JSON {"username","password"}`);
  }
  const { username, password } = (parsed ?? {}) as { username?: unknown; password?: unknown };
  if (typeof password !== 'string' || password === '') {
    throw new AuditError(`secret ${db.auth.secretId} has no "password" string`);
  }
  return { user: typeof username === 'string' && username ? username : db.user, password };
}

/**
 * TLS options: always verified. With `tls.caFile` the server must chain to that bundle (use the RDS
 * global bundle); without it Node's trust store applies, extended by `NODE_EXTRA_CA_CERTS`.
 */
export function tlsOptions(db: DatabaseConfig): false | ConnectionOptions {
  if (db.tls.disable) return false;
  // PostgreSQL (and Aurora) default to `ssl_ecdh_curve = prime256v1`; offering a P-256 key share first
  // avoids a TLS 1.3 HelloRetryRequest, one round trip on every connect.
  const base = { rejectUnauthorized: true, ecdhCurve: 'P-256:X25519' };
  if (!db.tls.caFile) return base;
  try {
    return { ...base, ca: readTextFile(db.tls.caFile) };
  } catch (err) {
    throw new AuditError(`cannot read database.tls.caFile ${db.tls.caFile}: ${(err as Error).message}`);
  }
}

/** Replace every occurrence of the secrets in `text`. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('[redacted]');
  return out;
}

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
]);

/** Classify any error thrown by `pg` (or the socket under it) and strip the secrets from its message. */
export function classifyDbError(err: unknown, secrets: readonly string[] = []): DatabaseError {
  if (err instanceof DatabaseError) return err;
  const e = (err ?? {}) as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  const message = scrub(typeof e.message === 'string' && e.message ? e.message : String(err), secrets);
  const kind = ((): DbFailure => {
    if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE') return DbFailure.Refused;
    if (/Connection terminated unexpectedly/.test(message)) return DbFailure.Refused;
    if (code === 'ETIMEDOUT' || code === '57014' || /timeout expired|Query read timeout/i.test(message)) {
      return DbFailure.Timeout;
    }
    if (code === '28P01' || code === '28000') return DbFailure.Auth;
    if (code === '53300') return DbFailure.Saturated;
    if (code === '3D000') return DbFailure.NotFound;
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return DbFailure.Dns;
    if (
      (code && (TLS_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_'))) ||
      /SSL|TLS|certificate/i.test(message)
    ) {
      return DbFailure.Tls;
    }
    return DbFailure.Other;
  })();
  return new DatabaseError(kind, code && !message.includes(code) ? `${message} (${code})` : message, code);
}

/** One open connection of the audit; every query is recorded and bounded by the call timeout. */
export interface DbConnection {
  /** `host:port/database`: the resource key of the recorded calls. */
  readonly target: string;
  /** Run one query; `name` is the operation the call recorder shows. Errors are `DatabaseError`s. */
  query<R extends object>(name: string, sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** Close the connection; never throws. */
  close(): Promise<void>;
}

export interface ConnectOptions {
  db: DatabaseConfig;
  credentials: DbCredentials;
  /** Connect timeout, `statement_timeout` and client-side query timeout. */
  callMs: number;
  calls: CallRecorder;
  /** Aborting destroys the socket (the group deadline). */
  signal?: AbortSignal;
  applicationName?: string;
}

/**
 * Dependent round trips of a connect over TLS with SCRAM authentication, as counted on the wire by the
 * sim's proxy (test/sim/postgres/round-trips.test.ts): SSLRequest; the TLS 1.3 handshake (one round trip,
 * because `tlsOptions` offers the P-256 key share PostgreSQL expects); StartupMessage; SCRAM client-first;
 * SCRAM client-final. The call recorder weights the
 * connect by it, so the benchmark's floor is the real chain.
 */
export const PG_CONNECT_ROUND_TRIPS = 5;

/**
 * Open one TLS connection in pipeline mode: queries issued together share one round trip, so
 * connect → all queries is a chain of two dependent calls.
 */
export async function connectDb(opts: ConnectOptions): Promise<DbConnection> {
  const { db, credentials, callMs, calls, signal } = opts;
  const target = `${db.host}:${db.port}/${db.database}`;
  const secrets = [credentials.password];
  const client = new pg.Client({
    host: db.host,
    port: db.port,
    database: db.database,
    user: credentials.user,
    password: credentials.password,
    ssl: tlsOptions(db),
    connectionTimeoutMillis: callMs,
    statement_timeout: callMs,
    query_timeout: callMs,
    application_name: opts.applicationName ?? 'coder-auditor',
    pipeline: true,
  });
  // An idle connection that breaks emits 'error'; without a listener it would crash the process.
  client.on('error', () => {});
  const destroy = () => client.connection.stream.destroy();
  if (signal?.aborted) throw new AuditError('aborted before connecting to the database');
  signal?.addEventListener('abort', destroy, { once: true });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    signal?.removeEventListener('abort', destroy);
    await Promise.race([client.end().catch(() => {}), new Promise((r) => setTimeout(r, callMs).unref())]);
    destroy();
  };
  try {
    await calls.track('postgres', 'connect', target, () => client.connect(), PG_CONNECT_ROUND_TRIPS);
  } catch (err) {
    await close();
    throw classifyDbError(err, secrets);
  }
  return {
    target,
    async query<R extends object>(name: string, sql: string, params: readonly unknown[] = []) {
      try {
        const res = await calls.track('postgres', name, target, () => client.query<R>(sql, [...params]));
        return res.rows;
      } catch (err) {
        throw classifyDbError(err, secrets);
      }
    },
    close,
  };
}
