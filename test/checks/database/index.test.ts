import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallRecorder } from '../../../lambdas/audit/calls.js';
import type { DeploymentInput } from '../../../lambdas/audit/config.js';
import type { Finding } from '../../../lambdas/audit/model.js';
import { runAudit } from '../../../lambdas/audit/runner.js';
import { databaseGroup } from '../../../lambdas/checks/database/index.js';
import type { AwsClients } from '../../../lambdas/clients/aws.js';
import { PG_CONNECT_ROUND_TRIPS } from '../../../lambdas/clients/pg.js';
import type { Fault } from '../../../sim/faults.js';
import { pgScenario, startPgHarness, type PgHarness } from '../../sim/postgres/harness.js';
import { testDeployment } from '../../fixtures/deployment.js';

const CANARY = 'DBGROUPCANARY55';
let h: PgHarness;

beforeAll(async () => {
  h = await startPgHarness(pgScenario(), CANARY);
});
afterAll(async () => {
  await h?.stop();
});

async function audit(over: Partial<DeploymentInput> = {}, faults: Fault[] = []) {
  h.env.faults.set(faults);
  const calls = new CallRecorder();
  try {
    const report = await runAudit({
      deployment: h.deployment(over),
      groups: [databaseGroup as never],
      aws: h.aws,
      calls,
    });
    expect(JSON.stringify(report)).not.toContain(CANARY);
    const by = Object.fromEntries(report.findings.map((f) => [f.checkId, f])) as Record<string, Finding>;
    return { report, by, calls };
  } finally {
    h.env.faults.set([]);
  }
}

const statuses = (by: Record<string, Finding>) =>
  Object.fromEntries(Object.entries(by).map(([id, f]) => [id, `${f.status}/${f.severity}`]));

/** The auditor's own backends left on the server (its connection must be closed after the audit). */
async function auditorSessions(): Promise<number> {
  const sql = "SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = 'coder_auditor'";
  let n = -1;
  for (let i = 0; i < 50 && n !== 0; i++) {
    if (i > 0) await new Promise((res) => setTimeout(res, 20));
    n = (await h.admin<{ n: number }>(sql))[0]!.n;
  }
  return n;
}

describe('Group: database', () => {
  it('is skipped without a database section', () => {
    expect(databaseGroup.skipReason(testDeployment())).toMatch(/no database configured/);
    expect(databaseGroup.skipReason(h.deployment())).toBeUndefined();
  });

  it('passes every check on a healthy database, connect then one pipelined round trip, and closes its connection', async () => {
    const { by, calls } = await audit();
    expect(statuses(by)).toEqual({
      'db-connectivity': 'pass/info',
      'db-connections-usage': 'pass/info',
      'db-long-running-queries': 'pass/info',
      'db-idle-in-transaction': 'pass/info',
      'db-size': 'pass/info',
    });
    expect(by['db-connections-usage']!.evidence).toMatchObject({
      connections: 1,
      maxConnections: 20,
      availableConnections: 17,
    });
    expect(by['db-size']!.evidence.sizeBytes).toBeGreaterThan(1_000_000);
    expect(calls.summary()).toMatchObject({
      total: 5,
      maxDepth: PG_CONNECT_ROUND_TRIPS + 1,
      duplicates: [],
      byOperation: {
        'postgres:connect': 1,
        'postgres:SELECT 1': 1,
        'postgres:connections': 1,
        'postgres:sessions': 1,
        'postgres:database size': 1,
      },
    });
    expect(await auditorSessions()).toBe(0);
  });

  it('finds a long-running query and an idle transaction, redacted, without its own session', async () => {
    await h.part.apply(
      pgScenario({ longRunningQueries: [{ seconds: 1.5 }], idleInTransaction: [{ count: 2, seconds: 1.5 }] }),
      new Date(),
    );
    try {
      const { by } = await audit({ thresholds: { longQueryMinutes: 0.02, idleInTransactionMinutes: 0.02 } });
      expect(statuses(by)).toMatchObject({
        'db-long-running-queries': 'fail/medium',
        'db-idle-in-transaction': 'fail/medium',
      });
      const long = by['db-long-running-queries']!.evidence as {
        count: number;
        queries: { user: string; query: string }[];
      };
      expect(long.count).toBe(1);
      expect(long.queries[0]).toMatchObject({
        user: 'coder',
        query: 'SELECT pg_sleep(?), ? AS job, ? AS organization_id',
      });
      expect(JSON.stringify(by['db-long-running-queries'])).not.toContain('acquire_provisioner_job');
      expect(by['db-idle-in-transaction']!.evidence).toMatchObject({ count: 2 });
      expect(JSON.stringify(by)).not.toContain('coder_auditor');
    } finally {
      await h.part.apply(pgScenario(), new Date());
    }
  });

  it('flags saturated connection slots: high at 88%, critical at 100%', async () => {
    await h.part.apply(pgScenario({ extraConnections: 14 }), new Date());
    expect(statuses((await audit()).by)['db-connections-usage']).toBe('fail/high');
    await h.part.apply(pgScenario({ extraConnections: 16 }), new Date());
    const { by } = await audit();
    expect(by['db-connections-usage']).toMatchObject({
      status: 'fail',
      severity: 'critical',
      evidence: { connections: 17, percent: 100 },
    });
    await h.part.apply(pgScenario(), new Date());
  });

  it('fails db-connectivity when connections are refused; the other checks error', async () => {
    const { by } = await audit({}, [
      { service: 'postgres', operation: 'connect', kind: 'refuse', ms: 0, rate: 1 },
    ]);
    expect(statuses(by)).toEqual({
      'db-connectivity': 'fail/critical',
      'db-connections-usage': 'error/high',
      'db-long-running-queries': 'error/medium',
      'db-idle-in-transaction': 'error/medium',
      'db-size': 'error/low',
    });
    expect(by['db-connectivity']!.evidence).toMatchObject({ failure: 'refused', stage: 'connect' });
    expect(by['db-size']!.detail).toContain('no database connection');
  });

  it('fails db-connectivity with a timeout when the database hangs, within the call timeout', async () => {
    const { by } = await audit({ timeouts: { callMs: 500, groupMs: 20_000 } }, [
      { service: 'postgres', kind: 'hang', ms: 0, rate: 1 },
    ]);
    expect(by['db-connectivity']).toMatchObject({ status: 'fail', evidence: { failure: 'timeout' } });
    expect(by['db-connections-usage']!.status).toBe('error');
  });

  it('fails on a wrong password without ever showing it', async () => {
    const secrets = new SecretsManagerClient({ region: 'us-east-1', credentials: h.env.credentials });
    const sm = mockClient(secrets);
    sm.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ username: 'coder_auditor', password: `${CANARY}-stale` }),
    });
    try {
      const aws = { ...h.aws, secrets } as AwsClients;
      const report = await runAudit({ deployment: h.deployment(), groups: [databaseGroup as never], aws });
      expect(JSON.stringify(report)).not.toContain(CANARY);
      expect(report.findings.find((f) => f.checkId === 'db-connectivity')).toMatchObject({
        status: 'fail',
        evidence: { failure: 'auth' },
      });
    } finally {
      sm.restore();
    }
  });

  it('yields errors, not failures, when the secret cannot be read', async () => {
    const secrets = new SecretsManagerClient({ region: 'us-east-1', credentials: h.env.credentials });
    const sm = mockClient(secrets);
    sm.on(GetSecretValueCommand).rejects(
      Object.assign(new Error('not allowed'), { name: 'AccessDeniedException' }),
    );
    try {
      const aws = { ...h.aws, secrets } as AwsClients;
      const report = await runAudit({ deployment: h.deployment(), groups: [databaseGroup as never], aws });
      expect(report.findings.map((f) => f.status)).toEqual(['error', 'error', 'error', 'error', 'error']);
      expect(report.findings[0]!.detail).toContain('AccessDeniedException');
    } finally {
      sm.restore();
    }
  });

  it('reports every check as error when the group deadline cuts a hung connection', async () => {
    const { by } = await audit({ timeouts: { callMs: 30_000, groupMs: 300 } }, [
      { service: 'postgres', kind: 'hang', ms: 0, rate: 1 },
    ]);
    expect(Object.values(by).map((f) => f.status)).toEqual(['error', 'error', 'error', 'error', 'error']);
    expect(by['db-connectivity']!.detail).toContain('did not finish within 300 ms');
  });

  it('flags slow round trips as a medium failure', async () => {
    const { by } = await audit({ thresholds: { dbLatencyWarnMs: 100 } }, [
      { service: 'postgres', kind: 'latency', ms: 150, rate: 1 },
    ]);
    expect(by['db-connectivity']).toMatchObject({ status: 'fail', severity: 'medium' });
    expect(by['db-size']!.status).toBe('pass');
  });
});
