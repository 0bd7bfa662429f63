import { SimIam } from '../../../sim/aws/iam.js';
import { SimParameterStore } from '../../../sim/aws/parameters.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import type { DeploymentConfig, DeploymentInput } from '../../../lambdas/audit/config.js';
import type { AwsClients } from '../../../lambdas/clients/aws.js';
import type { DatabaseConfig } from '../../../lambdas/clients/pg.js';
import { makeSimSecrets, simTls, type SimEnv } from '../../../sim/env.js';
import { FaultInjector, type Fault } from '../../../sim/faults.js';
import { startPostgresSim, type PostgresSimPart } from '../../../sim/postgres/server.js';
import type { Scenario } from '../../../sim/scenario.js';
import { testDeployment } from '../../fixtures/deployment.js';

/** A scenario with only a `postgres` section (and faults). */
export function pgScenario(postgres: Record<string, unknown> = {}, faults: Fault[] = []): Scenario {
  return {
    name: 'test',
    description: '',
    deployment: {},
    aws: {},
    accounts: {},
    kubernetes: {},
    postgres,
    coder: {},
    faults,
    expect: { failing: [], erroring: [], skipped: [] },
  };
}

export interface PgHarness {
  env: SimEnv;
  part: PostgresSimPart;
  /** Run one statement as the superuser (over the Unix socket). */
  admin<R extends object>(sql: string, params?: unknown[]): Promise<R[]>;
  /** The database section the sim hands to the audit (defaults applied). */
  database: DatabaseConfig;
  deployment(over?: Partial<DeploymentInput>): DeploymentConfig;
  /** AWS clients whose Secrets Manager serves the sim's database secret (aws-sdk-client-mock). */
  aws: AwsClients;
  stop(): Promise<void>;
}

/** Start the PostgreSQL part of the sim on its own, with a recognisable canary password. */
export async function startPgHarness(
  scenario: Scenario = pgScenario(),
  canary = 'PGCANARY7f3a',
): Promise<PgHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'coder-audit-pg-test-'));
  const env: SimEnv = {
    faults: new FaultInjector(scenario.faults),
    tls: simTls(),
    secrets: makeSimSecrets(canary),
    region: 'us-east-1',
    accountId: '123456789012',
    credentials: { accessKeyId: 'AKIASIMULATED0000001', secretAccessKey: 'simulated/secret' },
    iam: new SimIam({
      ...{ accessKeyId: 'AKIASIMULATED0000001', secretAccessKey: 'simulated/secret' },
      accountId: '123456789012',
    }),
    parameters: new SimParameterStore(),
    dataDir,
  };
  const part = await startPostgresSim(env, scenario, new Date());
  const fragment = (part.config as { database: NonNullable<DeploymentInput['database']> }).database;
  const database = testDeployment({ database: fragment }).database!;
  const secrets = new SecretsManagerClient({ region: env.region, credentials: env.credentials });
  const sm = mockClient(secrets);
  sm.on(GetSecretValueCommand, { SecretId: env.secrets.dbSecretId }).resolves({
    SecretString: JSON.stringify({ username: env.secrets.dbUser, password: env.secrets.dbPassword }),
  });
  const aws = {
    region: env.region,
    credentials: env.credentials,
    secrets,
    destroy() {},
  } as unknown as AwsClients;
  return {
    env,
    part,
    async admin<R extends object>(sql: string, params: unknown[] = []) {
      const c = part.server.client();
      await c.connect();
      try {
        return (await c.query<R>(sql, params)).rows;
      } finally {
        await c.end();
      }
    },
    database,
    aws,
    deployment: (over = {}) =>
      testDeployment({ database, timeouts: { callMs: 2_000, groupMs: 8_000 }, ...over }),
    async stop() {
      sm.restore();
      await part.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
