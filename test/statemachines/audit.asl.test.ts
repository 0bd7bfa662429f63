import { readFileSync } from 'node:fs';
import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FindingsStore } from '../../lambdas/store/findings-store.js';
import { startSim, type Sim } from '../../sim/index.js';
import { ASL_FILE, runLocalWorkflow } from '../../sim/workflow.js';
import { createFindingsTable, localClients, startDynalite, type Dynalite } from '../helpers/dynalite.js';

interface AslState {
  Type: string;
  Resource?: string;
  Next?: string;
  Default?: string;
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  ItemSelector?: Record<string, string>;
  Retry?: Array<{ ErrorEquals: string[]; JitterStrategy?: string; BackoffRate?: number }>;
  Catch?: Array<{ ErrorEquals: string[]; Next: string }>;
  Branches?: Array<{ States: Record<string, AslState> }>;
  ItemProcessor?: { States: Record<string, AslState> };
  Parameters?: { FunctionName?: string };
}
const aslText = readFileSync(ASL_FILE, 'utf8');
const asl = JSON.parse(aslText) as { QueryLanguage?: string; States: Record<string, AslState> };
const iteration = asl.States.AuditDeployments!.ItemProcessor!.States;
const groupTasks = iteration.CheckGroups!.Branches!.map((b) => Object.entries(b.States)[0]!);

describe('Workflow: statemachines/audit.asl.json', () => {
  it('uses JSONPath and exactly the documented substitutions', () => {
    expect(asl.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
    expect(aslText).not.toContain('JSONata');
    const placeholders = new Set([...aslText.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]));
    expect([...placeholders].sort()).toEqual([
      'AggregateFunctionArn',
      'ClusterFunctionArn',
      'CoderFunctionArn',
      'DatabaseFunctionArn',
      'GroupTaskTimeoutSeconds',
      'InfraFunctionArn',
      'NotifyFunctionArn',
      'TableName',
    ]);
  });

  it('runs the four group tasks in parallel, each retried on Lambda errors with jitter and caught', () => {
    expect(groupTasks.map(([name]) => name)).toEqual(['Infra', 'Cluster', 'Database', 'Coder']);
    for (const [name, task] of groupTasks) {
      expect(task.Resource).toBe('arn:aws:states:::lambda:invoke');
      const retried = task.Retry!.flatMap((r) => r.ErrorEquals);
      expect(retried).toEqual(
        expect.arrayContaining([
          'Lambda.ServiceException',
          'Lambda.AWSLambdaException',
          'Lambda.SdkClientException',
          'Lambda.TooManyRequestsException',
        ]),
      );
      expect(task.Retry!.every((r) => r.JitterStrategy === 'FULL' && (r.BackoffRate ?? 1) > 1)).toBe(true);
      expect(task.Catch).toEqual([
        expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: `${name}Failed` }),
      ]);
      expect(task.TimeoutSeconds).toBeUndefined();
      expect(task.TimeoutSecondsPath).toBe('$.groupTaskTimeoutSeconds');
    }
    // The substitution is a string in valid JSON; the iteration turns it into the number the path reads.
    expect(asl.States.AuditDeployments!.ItemSelector!['groupTaskTimeoutSeconds.$']).toBe(
      "States.StringToJson('${GroupTaskTimeoutSeconds}')",
    );
  });

  it('catches a failed Aggregate or Notify per deployment, then fails the execution', () => {
    for (const name of ['Aggregate', 'Notify']) {
      expect(iteration[name]!.Catch).toEqual([
        expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'DeploymentFailed' }),
      ]);
    }
    expect(asl.States.AuditDeployments!.Next).toBe('SerializeAudits');
    expect(asl.States['AnyFailed?']).toMatchObject({ Type: 'Choice', Default: 'Done' });
    expect(asl.States.DeploymentsFailed).toMatchObject({ Type: 'Fail', Error: 'DeploymentAuditFailed' });
  });
});

describe('Workflow: local execution with the real handlers', () => {
  let sim: Sim;
  let db: Dynalite;
  let client: DynamoDBClient;
  let doc: DynamoDBDocumentClient;
  let table = 0;
  const newTable = async (): Promise<string> => {
    const name = `findings-${++table}`;
    await createFindingsTable(client, name);
    return name;
  };

  beforeAll(async () => {
    db = await startDynalite();
    ({ client, doc } = localClients(db.endpoint));
    sim = await startSim({ scenario: 'db-sg-missing-5432' });
  });
  afterAll(async () => {
    await sim?.stop();
    client?.destroy();
    await db?.stop();
  });

  it('stores findings and alerts once, stays silent on replay, alerts resolutions once fixed', async () => {
    const tableName = await newTable();
    const store = new FindingsStore({ client: doc, tableName });
    await sim.apply('db-sg-missing-5432');
    const onAlert: string[] = [];

    const first = await runLocalWorkflow({
      sim,
      tableEndpoint: db.endpoint,
      tableName,
      executionId: 'first',
      onAlert: (a) => onAlert.push(a.subject),
    });
    expect(first.output.audits).toEqual([expect.objectContaining({ deployment: 'sim', notified: true })]);
    expect(first.alerts).toHaveLength(1);
    expect(onAlert).toEqual([first.alerts[0]!.subject]);
    expect(first.alerts[0]!.attributes.deployment).toBe('sim');
    const open = await store.list({ deployment: 'sim', open: true });
    expect(open.map((f) => f.checkId)).toContain('db-sg-allows-nodes');
    expect(first.transitions).toBe(13);

    const replay = await runLocalWorkflow({
      sim,
      tableEndpoint: db.endpoint,
      tableName,
      executionId: 'first',
      startTime: first.startTime,
    });
    expect(replay.alerts).toEqual([]);
    expect(replay.output.audits).toEqual([expect.objectContaining({ changed: false, notified: false })]);
    expect(await store.list({ deployment: 'sim', open: true })).toEqual(open);

    await sim.apply('healthy');
    const fixed = await runLocalWorkflow({
      sim,
      tableEndpoint: db.endpoint,
      tableName,
      executionId: 'fixed',
    });
    expect(fixed.alerts).toHaveLength(1);
    expect(fixed.alerts[0]!.subject).toMatch(/resolved/);
    const stillOpen = await store.list({ deployment: 'sim', open: true });
    expect(stillOpen.map((f) => f.checkId)).not.toContain('db-sg-allows-nodes');
  });

  it('completes the audit with error findings when a group task throws', async () => {
    const tableName = await newTable();
    await sim.apply('healthy');
    const result = await runLocalWorkflow({
      sim,
      tableEndpoint: db.endpoint,
      tableName,
      groupHandlers: {
        cluster: () => Promise.reject(new Error('Task timed out after 60.00 seconds')),
      },
    });
    expect(result.output.audits).toEqual([expect.objectContaining({ deployment: 'sim' })]);
    const stored = await new FindingsStore({ client: doc, tableName }).list({
      deployment: 'sim',
      open: true,
    });
    const clusterErrors = stored.filter((f) => f.group === 'cluster');
    expect(clusterErrors.length).toBeGreaterThan(0);
    expect(clusterErrors.every((f) => f.result === 'error' && f.detail.includes('Task timed out'))).toBe(
      true,
    );
  });

  it('debounces deploy-triggered runs while another execution holds the gate', async () => {
    const tableName = await newTable();
    await sim.apply('healthy');
    const gate = { pk: { S: 'DEP#sim' }, sk: { S: 'GATE' } };
    const lock = (ageMs: number) =>
      client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: {
            ...gate,
            lockedBy: { S: 'arn:...:execution:x:other' },
            lockedAt: { S: new Date(Date.now() - ageMs).toISOString() },
          },
        }),
      );
    const lockedBy = async () =>
      (await client.send(new GetItemCommand({ TableName: tableName, Key: gate, ConsistentRead: true }))).Item
        ?.lockedBy?.S;
    let groupCalls = 0;
    const counting = {
      infra: async () => (
        (groupCalls += 1),
        { deployment: 'sim', group: 'infra' as const, findings: [], ms: 0 }
      ),
    };
    const input = { deployments: ['sim'], debounce: true };
    const run = (debounce: boolean) =>
      runLocalWorkflow({
        sim,
        tableEndpoint: db.endpoint,
        tableName,
        groupHandlers: counting,
        ...(debounce ? { input } : {}),
      });

    // Another execution took the lock a minute ago and is in its settle wait: a scheduled run in the
    // meantime leaves it alone, and the deploy events of the burst stay debounced.
    await lock(60_000);
    expect((await run(true)).output.audits).toEqual([{ deployment: 'sim', debounced: true }]);
    await run(false);
    expect(await lockedBy()).toBe('arn:...:execution:x:other');
    expect((await run(true)).output.audits).toEqual([{ deployment: 'sim', debounced: true }]);
    expect(groupCalls).toBe(1);

    // A lock left an hour ago by an execution stopped during its wait: the scheduled run frees it, then
    // a deploy event audits after its own settle wait and releases its lock.
    await lock(3_600_000);
    await run(false);
    expect(await lockedBy()).toBeUndefined();
    const free = await run(true);
    expect(free.output.audits).toEqual([
      expect.objectContaining({ deployment: 'sim', executionId: free.executionId }),
    ]);
    expect(groupCalls).toBe(3);
    expect(await lockedBy()).toBeUndefined();
  });

  it('completes the other deployments when one Aggregate fails for good, and alerts its changes next run', async () => {
    const tableName = await newTable();
    await sim.apply('db-sg-missing-5432');
    const input = { deployments: ['sim', 'sim-b'] };
    const alerted: string[] = [];
    const failing = runLocalWorkflow({
      sim,
      tableEndpoint: db.endpoint,
      tableName,
      input,
      onAlert: (a) => alerted.push(a.attributes.deployment),
      // sim-b's run is recorded, then every attempt "times out": its changes are applied, never alerted.
      intercept: async (state, payload, next) => {
        const result = await next();
        if (state === 'Aggregate' && (payload as { deployment: string }).deployment === 'sim-b') {
          throw new Error('Task timed out after 60.00 seconds');
        }
        return result;
      },
    });
    await expect(failing).rejects.toMatchObject({ cause: { name: 'DeploymentAuditFailed' } });
    expect(alerted).toEqual(['sim']);

    const next = await runLocalWorkflow({ sim, tableEndpoint: db.endpoint, tableName, input });
    expect(next.alerts.map((a) => a.attributes.deployment)).toEqual(['sim-b']);
    expect(next.alerts[0]!.text).toContain('db-sg-allows-nodes');
    expect(next.output.audits).toEqual([
      expect.objectContaining({ deployment: 'sim', changed: false }),
      expect.objectContaining({ deployment: 'sim-b', notified: true }),
    ]);
  });
});
