import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FindingsStore } from '../../lambdas/store/findings-store.js';
import type { StoredFinding } from '../../lambdas/store/types.js';
import { createFindingsTable, localClients, startDynalite, type Dynalite } from '../../sim/dynamodb.js';
import { audit, finding } from '../store/fixtures.js';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '../../bin/coder-audit.mjs');
const TABLE = 'findings-cli';
let db: Dynalite;

beforeAll(async () => {
  db = await startDynalite();
  const { client, doc } = localClients(db.endpoint);
  await createFindingsTable(client, TABLE);
  const store = new FindingsStore({ client: doc, tableName: TABLE });
  await store.recordRun(
    audit('exec-1', '2026-11-25T10:00:00.000Z', [
      finding('db-sg-allows-nodes', 'fail', { severity: 'critical' }),
      finding('nodegroup-capacity', 'fail'),
      finding('coder-healthz', 'pass'),
    ]),
  );
  await store.recordRun(
    audit('exec-2', '2026-11-25T11:00:00.000Z', [
      finding('db-sg-allows-nodes', 'fail', { severity: 'critical' }),
      finding('nodegroup-capacity', 'pass'),
    ]),
  );
  client.destroy();
});
afterAll(() => db.stop());

async function findings(...args: string[]): Promise<StoredFinding[]> {
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: 'us-east-1',
  };
  const r = await run(
    process.execPath,
    [CLI, 'findings', '--table', TABLE, '--endpoint', db.endpoint, '--format', 'json', ...args],
    { env },
  );
  return JSON.parse(r.stdout) as StoredFinding[];
}

describe('CLI: coder-audit findings', () => {
  it('lists a deployment with open findings first', async () => {
    const all = await findings('--deployment', 'prod');
    expect(all.map((f) => [f.checkId, f.status, f.occurrences])).toEqual([
      ['db-sg-allows-nodes', 'open', 2],
      ['nodegroup-capacity', 'resolved', 1],
    ]);
  });

  it('lists open findings across deployments through the index, filtered by severity', async () => {
    expect((await findings('--open')).map((f) => f.checkId)).toEqual(['db-sg-allows-nodes']);
    expect(await findings('--open', '--severity', 'high')).toEqual([]);
  });
});
