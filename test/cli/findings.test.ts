import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FindingsStore } from '../../lambdas/store/findings-store.js';
import type { FindingHistory } from '../../cli/findings.js';
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
  // staging: a finding that resolves after two runs, then opens again (re-opened), and one seen long ago.
  const staging = (id: string, at: string, fs: ReturnType<typeof finding>[]) =>
    store.recordRun(audit(id, at, fs, {}, 'staging'));
  await staging('s-1', '2026-11-20T08:00:00.000Z', [
    finding('db-size', 'fail', { severity: 'medium' }),
    finding('oidc-discovery', 'fail'),
  ]);
  await staging('s-2', '2026-11-20T09:00:00.000Z', [
    finding('db-size', 'fail', { severity: 'medium' }),
    finding('oidc-discovery', 'pass'),
  ]);
  await staging('s-3', '2026-11-20T11:30:00.000Z', [
    finding('db-size', 'pass'),
    finding('oidc-discovery', 'pass'),
  ]);
  await staging('s-4', '2026-11-25T12:00:00.000Z', [
    finding('db-size', 'fail', { severity: 'medium' }),
    finding('oidc-discovery', 'pass'),
  ]);
  client.destroy();
});
afterAll(() => db.stop());

async function cli(...args: string[]): Promise<string> {
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: 'us-east-1',
  };
  const r = await run(
    process.execPath,
    [CLI, 'findings', '--table', TABLE, '--endpoint', db.endpoint, ...args],
    {
      env,
    },
  );
  return r.stdout;
}

async function findings(...args: string[]): Promise<FindingHistory[]> {
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
  return JSON.parse(r.stdout) as FindingHistory[];
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
    expect((await findings('--open')).map((f) => f.checkId)).toEqual(['db-sg-allows-nodes', 'db-size']);
    expect(await findings('--open', '--severity', 'high')).toEqual([]);
  });

  it('gives each finding its history: opened, seen, resolved, time to resolve or open for', async () => {
    const all = await findings('--deployment', 'staging');
    expect(
      all.map((f) => [
        f.checkId,
        f.status,
        f.firstSeen,
        f.openedAt,
        f.occurrences,
        f.resolvedAt,
        f.timeToResolveSeconds,
      ]),
    ).toEqual([
      // Resolved at 11:30 after two failing runs, open again since 25 Nov: three runs saw it fail in all.
      ['db-size', 'open', '2026-11-20T08:00:00.000Z', '2026-11-25T12:00:00.000Z', 3, undefined, undefined],
      [
        'oidc-discovery',
        'resolved',
        '2026-11-20T08:00:00.000Z',
        '2026-11-20T08:00:00.000Z',
        1,
        '2026-11-20T09:00:00.000Z',
        3600,
      ],
    ]);
    expect(all[0]!.openForSeconds).toBeGreaterThan(0);
  });

  it('--since keeps what was seen or resolved since then', async () => {
    const since = async (when: string) =>
      (await findings('--deployment', 'staging', '--since', when)).map((f) => f.checkId);
    expect(await since('2026-11-20T08:30:00Z')).toEqual(['db-size', 'oidc-discovery']);
    expect(await since('2026-11-21')).toEqual(['db-size']);
    expect(await since('2030-01-01')).toEqual([]);
    // A span back from now reaches back past these fixed dates.
    expect(await since('5200w')).toEqual(['db-size', 'oidc-discovery']);
  });

  it('renders the history as a table with a summary line', async () => {
    const out = await cli('--deployment', 'staging', '--since', '2026-11-01');
    const lines = out.split('\n');
    expect(lines[0]).toMatch(
      /^STATUS +SEVERITY +DEPLOYMENT +CHECK +OPENED +SEEN +RESOLVED +TIME TO RESOLVE +RESOURCE$/,
    );
    expect(lines[1]).toMatch(
      /^reopened +medium +staging +db-size +2026-11-25 12:00 +3x +- +open \d+d( \d+h)? +res-db-size$/,
    );
    expect(lines[2]).toMatch(
      /^resolved +high +staging +oidc-discovery +2026-11-20 08:00 +1x +2026-11-20 09:00 +1h +res-oidc-discovery$/,
    );
    expect(out).toContain('1 open, 1 resolved; median time to resolve 1h');
  });

  it('rejects a --since it cannot read, with exit 2', async () => {
    await expect(cli('--since', 'last tuesday')).rejects.toMatchObject({ code: 2 });
  });
});
