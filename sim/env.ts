import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeploymentInput } from '../lambdas/audit/config.js';
import type { SimIam } from './aws/iam.js';
import type { SimParameterStore } from './aws/parameters.js';
import type { FaultInjector } from './faults.js';
import type { Scenario } from './scenario.js';

import { SIM_CA_FILE, TLS_DIR } from './paths.js';

/** Absolute path of the sim CA certificate (clients verify the twins with it, as production verifies AWS). */
export { SIM_CA_FILE };

/** Test-only TLS material of the simulated deployment (CA-signed cert for localhost/127.0.0.1). */
export function simTls(): { ca: string; cert: string; key: string } {
  return {
    ca: readFileSync(SIM_CA_FILE, 'utf8'),
    cert: readFileSync(join(TLS_DIR, 'server.pem'), 'utf8'),
    key: readFileSync(join(TLS_DIR, 'server.key'), 'utf8'),
  };
}

/** Secrets the sim hands out through its Secrets Manager twin. Random per start, recognisable prefix. */
export interface SimSecrets {
  /** Secret id of `{"username","password"}` for the auditor's database user. */
  dbSecretId: string;
  dbUser: string;
  dbPassword: string;
  /** Secret id of the auditor's Coder session token (plain string). */
  coderTokenSecretId: string;
  coderToken: string;
}

export function makeSimSecrets(canary = `CANARY${randomBytes(6).toString('hex')}`): SimSecrets {
  return {
    dbSecretId: 'coder-auditor/sim/db',
    dbUser: 'coder_auditor',
    dbPassword: `${canary}-dbpw`,
    coderTokenSecretId: 'coder-auditor/sim/coder-token',
    coderToken: `${canary}-cdrtok`,
  };
}

/** Everything a part of the simulated deployment gets when it starts. */
export interface SimEnv {
  faults: FaultInjector;
  tls: { ca: string; cert: string; key: string };
  secrets: SimSecrets;
  region: string;
  accountId: string;
  /** Static credentials of the sim's IAM user (account `accountId`). */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Every key pair the sim accepts (the user's, and role sessions STS issued), with whose it is. */
  iam: SimIam;
  /** SSM Parameter Store of every account (the auditor's configuration), with its read throughput. */
  parameters: SimParameterStore;
  /** Scratch directory owned by this sim (e.g. the PostgreSQL data dir). */
  dataDir: string;
}

/** One running part of the simulated deployment (AWS twin, Kubernetes twin, PostgreSQL, Coder twin). */
export interface SimPart {
  name: string;
  /** Configuration the audit needs to reach this part (merged into the deployment config). */
  config: DeploymentInput | Record<string, unknown>;
  /** Switch to another scenario's state without restarting (ages are relative to `now`). */
  apply(scenario: Scenario, now: Date): Promise<void>;
  stop(): Promise<void>;
}
