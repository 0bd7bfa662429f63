import { known, type Fact } from '../../../lambdas/audit/fact.js';
import type { DatabaseSnapshot, Session } from '../../../lambdas/checks/database/snapshot.js';
import { testDeployment } from '../../fixtures/deployment.js';

/** The deployment of the database check tests (Aurora `coder-prod-aurora`, database `coder`). */
export const deployment = testDeployment({
  database: {
    host: 'coder-prod-aurora.cluster-c0de.us-east-1.rds.amazonaws.com',
    auth: { type: 'secret', secretId: 'coder/auditor-db' },
  },
});

export const now = new Date('2026-11-25T12:00:00Z');

/** A healthy snapshot; override any fact. */
export function snapshot(over: Partial<DatabaseSnapshot> = {}): DatabaseSnapshot {
  return {
    resource: 'coder-prod-aurora/coder',
    endpoint: 'coder-prod-aurora.cluster-c0de.us-east-1.rds.amazonaws.com:5432/coder',
    connectivity: known({ reachable: true, connectMs: 40, roundTripMs: 2 }),
    usage: known({ connections: 12, maxConnections: 1000, reservedConnections: 3 }),
    sessions: known([]),
    sizeBytes: known(3 * 1024 ** 3),
    ...over,
  };
}

export function session(over: Partial<Session> = {}): Session {
  return {
    pid: 4242,
    user: 'coder',
    applicationName: 'coderd',
    state: 'active',
    queryAgeSeconds: 1,
    stateAgeSeconds: 1,
    query: 'SELECT ? FROM workspaces WHERE id = ?',
    ...over,
  };
}

export function failed<T>(name: string, error = 'no database connection: connect ECONNREFUSED'): Fact<T> {
  return { ok: false, name, error };
}
