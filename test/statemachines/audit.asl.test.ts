import { CLUSTER_CLIENTS } from '../../lambdas/checks/cluster/clients.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterGroup } from '../../lambdas/checks/cluster/index.js';
import { makeGroupHandler } from '../../lambdas/handlers/group.js';
import { STATE_PAYLOAD_LIMIT_BYTES } from '../../lambdas/handlers/payload.js';
import { localTelemetry } from '../../lambdas/handlers/telemetry.js';
import { FindingsStore } from '../../lambdas/store/findings-store.js';
import { ResultStore } from '../../lambdas/store/results.js';
import { startSim, type Sim } from '../../sim/index.js';
import { loadScenario, type Scenario } from '../../sim/scenario.js';
import { ASL_FILE, runLocalWorkflow } from '../../sim/workflow.js';
import { createFindingsTable, localClients, startDynalite, type Dynalite } from '../helpers/dynalite.js';
import { AuditFailedDetailSchema, FindingEventDetailSchema } from '../../lambdas/notify/event-schema.js';
import { putAuditorEvents } from '../../lambdas/notify/events.js';
import { startEventBridgeTwin } from '../../sim/eventbridge.js';

interface AslState {
  Type: string;
  Resource?: string;
  Next?: string;
  Default?: string;
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  ItemSelector?: Record<string, string>;
  ItemsPath?: string;
  ItemBatcher?: { MaxItemsPerBatch?: number };
  MaxConcurrency?: number;
  Label?: string;
  ToleratedFailurePercentage?: number;
  Retry?: Array<{ ErrorEquals: string[]; JitterStrategy?: string; BackoffRate?: number }>;
  Catch?: Array<{ ErrorEquals: string[]; Next: string }>;
  ItemProcessor?: {
    ProcessorConfig?: { Mode: string; ExecutionType?: string };
    StartAt?: string;
    States: Record<string, AslState>;
  };
  Parameters?: Record<string, unknown> & { Payload?: Record<string, unknown> };
}
const aslText = readFileSync(ASL_FILE, 'utf8');
const asl = JSON.parse(aslText) as {
  QueryLanguage?: string;
  TimeoutSeconds?: number;
  States: Record<string, AslState>;
};
const fleet = asl.States.AuditFleet!;
const batch = fleet.ItemProcessor!.States;
const child = batch.Deployments!.ItemProcessor!.States;
const groups = child.CheckGroups!.ItemProcessor!.States;

describe('Workflow: statemachines/audit.asl.json', () => {
  it('uses JSONPath and exactly the documented substitutions, with an execution timeout', () => {
    expect(asl.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
    expect(aslText).not.toContain('JSONata');
    const placeholders = new Set([...aslText.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]));
    expect([...placeholders].sort()).toEqual([
      'AggregateFunctionArn',
      'ClusterFunctionArn',
      'CoderFunctionArn',
      'DatabaseFunctionArn',
      'DeploymentParameterPrefix',
      'FleetParameterName',
      'GroupTaskTimeoutSeconds',
      'InfraFunctionArn',
      'NotifyFunctionArn',
      'TableName',
    ]);
    expect(asl.TimeoutSeconds).toBeGreaterThan(0);
  });

  it('fans out Express children of up to 10 deployments (Distributed Map) that tolerates failures', () => {
    expect(fleet).toMatchObject({ Type: 'Map', ItemsPath: '$.deployments', Label: 'Deployment' });
    expect(fleet.ItemProcessor!.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' });
    // Each child started is a billed transition of the parent: ten deployments per child.
    expect(fleet.ItemBatcher).toEqual({ MaxItemsPerBatch: 10 });
    // A child audits its batch in parallel (an inline Map runs at most 40 iterations at once).
    expect(batch.Deployments).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.config.parameters',
      MaxConcurrency: 0,
    });
    expect(batch.Deployments!.ItemProcessor!.ProcessorConfig).toEqual({ Mode: 'INLINE' });
    expect(fleet.ToleratedFailurePercentage).toBe(100);
    // The child works on the parent's execution id (idempotency of a replay), not its own.
    expect(fleet.ItemSelector).toMatchObject({ 'executionId.$': '$$.Execution.Id' });
  });

  it("reads a batch's configuration with one SSM GetParameters (at most 10 names), retried on throttling", () => {
    expect(fleet.ItemProcessor!.StartAt).toBe('ReadConfiguration');
    const read = batch.ReadConfiguration!;
    expect(read.Resource).toBe('arn:aws:states:::aws-sdk:ssm:getParameters');
    expect(read.Parameters).toEqual({ 'Names.$': '$.Items[*].parameter' });
    expect(fleet.ItemSelector).toMatchObject({
      'parameter.$': "States.Format('${DeploymentParameterPrefix}{}', $$.Map.Item.Value)",
    });
    // GetParameters takes at most 10 names: a batch never holds more.
    expect(fleet.ItemBatcher!.MaxItemsPerBatch).toBeLessThanOrEqual(10);
    expect(read.Retry!.flatMap((r) => r.ErrorEquals)).toContain('Ssm.ThrottlingException');
    expect(read.Catch).toEqual([
      expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'ConfigurationUnread' }),
    ]);
    // Each parameter found is one audit; its document is parsed once, by the batch Map's ItemSelector.
    expect(batch.Deployments!.ItemSelector).toMatchObject({
      'document.$': 'States.StringToJson($$.Map.Item.Value.Value)',
    });
    // The functions get the document in their payload: no function reads SSM.
    expect(groups.CheckGroup!.Parameters!.Payload).toMatchObject({ 'document.$': '$.document' });
    expect(child.Aggregate!.Parameters!.Payload).toMatchObject({ 'document.$': '$.document' });
  });

  it('runs the check groups as one Map of one task, retried on Lambda errors with jitter and caught', () => {
    expect(child.CheckGroups).toMatchObject({ Type: 'Map', ItemsPath: '$.groups' });
    const task = groups.CheckGroup!;
    expect(task.Resource).toBe('arn:aws:states:::lambda:invoke');
    expect(task.Retry!.flatMap((r) => r.ErrorEquals)).toEqual(
      expect.arrayContaining([
        'Lambda.ServiceException',
        'Lambda.AWSLambdaException',
        'Lambda.SdkClientException',
        'Lambda.TooManyRequestsException',
      ]),
    );
    expect(task.Retry!.every((r) => r.JitterStrategy === 'FULL' && (r.BackoffRate ?? 1) > 1)).toBe(true);
    expect(task.Catch).toEqual([
      expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'GroupFailed' }),
    ]);
    expect(task.TimeoutSecondsPath).toBe('$.timeoutSeconds');
    expect(child.CheckGroups!.ItemSelector!['timeoutSeconds.$']).toBe(
      "States.StringToJson('${GroupTaskTimeoutSeconds}')",
    );
  });

  it('catches every task that could end the run, and retries DynamoDB throttling under its integration names', () => {
    const all = { ...asl.States, ...batch, ...child, ...groups };
    for (const [name, state] of Object.entries(all)) {
      if (state.Type !== 'Task' || name === 'ReadFleet') continue;
      expect(state.Catch, name).toBeDefined();
    }
    for (const name of ['MarkEvent', 'ReadGate', 'ReleaseGate', 'FreeGate']) {
      expect(asl.States[name]!.Retry!.flatMap((r) => r.ErrorEquals)).toEqual(
        expect.arrayContaining([
          'DynamoDB.ProvisionedThroughputExceededException',
          'DynamoDB.ThrottlingException',
        ]),
      );
    }
    expect(fleet.Catch).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'] })]);
    expect(asl.States.DeploymentsFailed).toMatchObject({ Type: 'Fail', Error: 'DeploymentAuditFailed' });
  });

  it('retries Notify past the idempotency claim of an attempt that died (its function timeout)', () => {
    const retry = child.Notify!.Retry!.find((r) =>
      r.ErrorEquals.includes('IdempotencyAlreadyInProgressError'),
    ) as unknown as {
      IntervalSeconds: number;
      MaxAttempts: number;
      BackoffRate: number;
    };
    let waited = 0;
    for (let i = 0; i < retry.MaxAttempts; i++) waited += retry.IntervalSeconds * retry.BackoffRate ** i;
    // The Notify function's timeout is 30 s in the stack (lib/functions.ts).
    expect(waited).toBeGreaterThan(30);
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
    expect(first.audits).toEqual([expect.objectContaining({ deployment: 'sim', notified: true })]);
    expect(first.alerts).toHaveLength(1);
    expect(onAlert).toEqual([first.alerts[0]!.subject]);
    expect(first.alerts[0]!.attributes.deployment).toBe('sim');
    const open = await store.list({ deployment: 'sim', open: true });
    expect(open.map((f) => f.checkId)).toContain('db-sg-allows-nodes');
    // Route, Debounce?, AuditFleet, one child started, AnyFailed?, Done.
    expect(first.transitions).toBe(6);
    expect(first.maxPayloadBytes).toBeLessThanOrEqual(STATE_PAYLOAD_LIMIT_BYTES);

    const replay = await runLocalWorkflow({
      sim,
      tableEndpoint: db.endpoint,
      tableName,
      executionId: 'first',
      startTime: first.startTime,
    });
    expect(replay.alerts).toEqual([]);
    expect(replay.audits).toEqual([expect.objectContaining({ changed: false, notified: false })]);
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

  it('puts one EventBridge event per finding change, each detail valid against its published schema', async () => {
    const twin = await startEventBridgeTwin();
    const eb = new EventBridgeClient({
      endpoint: twin.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' },
    });
    const tableName = await newTable();
    await sim.apply('db-sg-missing-5432');
    try {
      twin.failNext(2); // throttled entries of the first call are put again
      const first = await runLocalWorkflow({
        sim,
        tableEndpoint: db.endpoint,
        tableName,
        executionId: 'events-first',
        putEvents: (e) => putAuditorEvents(eb, e),
      });
      expect(first.events).toEqual([]);
      const opened = twin.events.filter((e) => e.detailType === 'Finding opened');
      expect(opened.length).toBeGreaterThan(0);
      expect(twin.calls).toBeGreaterThan(Math.ceil(twin.events.length / 10));
      await sim.apply('healthy');
      await runLocalWorkflow({
        sim,
        tableEndpoint: db.endpoint,
        tableName,
        executionId: 'events-fixed',
        putEvents: (e) => putAuditorEvents(eb, e),
      });
      const resolved = twin.events.filter((e) => e.detailType === 'Finding resolved');
      expect(resolved.map((e) => (e.detail as { finding: { checkId: string } }).finding.checkId)).toContain(
        'db-sg-allows-nodes',
      );
      for (const e of twin.events) {
        expect(e.source).toBe('coder.auditor');
        const schema = e.detailType === 'Audit failed' ? AuditFailedDetailSchema : FindingEventDetailSchema;
        expect(schema.safeParse(e.detail).error).toBeUndefined();
      }
      // One event per change: no finding opened twice in one run.
      const ids = twin.events.map((e) => (e.detail as { eventId: string }).eventId);
      expect(new Set(ids).size).toBe(ids.length);
    } finally {
      eb.destroy();
      await twin.stop();
    }
  });

  it('audits the whole fleet, read from its parameter, when the input names no deployment', async () => {
    const tableName = await newTable();
    await sim.apply('healthy');
    const ids = ['sim', 'sim-b', 'sim-c'];
    const run = await runLocalWorkflow({
      sim,
      tableEndpoint: db.endpoint,
      tableName,
      input: { trigger: 'schedule' },
      fleet: () => ids.map((id) => ({ ...sim.deployment, id })),
    });
    expect(run.audits.map((a) => a.deployment)).toEqual(ids);
    // One batch: one child execution audits the three deployments, in parallel.
    expect(run.childMs).toHaveLength(1);
    expect(run.lambdaInvocations).toMatchObject({
      infra: 3,
      cluster: 3,
      database: 3,
      coder: 3,
      aggregate: 3,
    });
    expect(run.lambdaPeakConcurrency.infra).toBe(3);
    // Route, ReadFleet, UseFleet, AuditFleet, 1 child, AnyFailed?, Done.
    expect(run.transitions).toBe(7);
  });

  it('starts one child per batch of MaxItemsPerBatch deployments (ItemBatcher), each billed to the parent', async () => {
    const tableName = await newTable();
    await sim.apply('healthy');
    const dir = mkdtempSync(join(tmpdir(), 'asl-'));
    try {
      const twoPerBatch = JSON.parse(aslText) as { States: { AuditFleet: AslState } };
      twoPerBatch.States.AuditFleet.ItemBatcher = { MaxItemsPerBatch: 2 };
      const definitionFile = join(dir, 'audit.asl.json');
      writeFileSync(definitionFile, JSON.stringify(twoPerBatch));
      const ids = ['sim', 'sim-b', 'sim-c'];
      const run = await runLocalWorkflow({
        sim,
        tableEndpoint: db.endpoint,
        tableName,
        input: { deployments: ids },
        definitionFile,
        maxConcurrency: 1,
      });
      expect(run.audits.map((a) => a.deployment)).toEqual(ids);
      expect(run.childMs).toHaveLength(2);
      // One child at a time (MaxConcurrency 1), two deployments at once in the first.
      expect(run.lambdaPeakConcurrency.infra).toBe(2);
      // Route, Debounce?, AuditFleet, 2 children, AnyFailed?, Done.
      expect(run.transitions).toBe(7);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('completes the audit with error findings when a group task throws', async () => {
    const tableName = await newTable();
    await sim.apply('healthy');
    const result = await runLocalWorkflow({
      sim,
      tableEndpoint: db.endpoint,
      tableName,
      groupHandlers: { cluster: () => Promise.reject(new Error('Task timed out after 60.00 seconds')) },
    });
    expect(result.audits).toEqual([expect.objectContaining({ deployment: 'sim' })]);
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

  describe('trailing debounce', () => {
    const gate = { pk: { S: 'DEP#sim' }, sk: { S: 'GATE' } };
    const setup = async () => {
      const tableName = await newTable();
      await sim.apply('healthy');
      const lock = (by: string, ageMs: number) =>
        client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: {
              ...gate,
              lockedBy: { S: by },
              lockedAt: { S: new Date(Date.now() - ageMs).toISOString() },
              lastEventAt: { S: new Date(Date.now() - ageMs).toISOString() },
            },
          }),
        );
      const item = async () =>
        (await client.send(new GetItemCommand({ TableName: tableName, Key: gate, ConsistentRead: true })))
          .Item;
      let groupCalls = 0;
      const counting = {
        infra: async () => (
          (groupCalls += 1),
          { deployment: 'sim', group: 'infra' as const, findings: [], ms: 0 }
        ),
      };
      const run = (
        input: Parameters<typeof runLocalWorkflow>[0]['input'],
        more: Partial<Parameters<typeof runLocalWorkflow>[0]> = {},
      ) =>
        runLocalWorkflow({
          sim,
          tableEndpoint: db.endpoint,
          tableName,
          groupHandlers: counting,
          input,
          ...more,
        });
      return { tableName, lock, item, run, calls: () => groupCalls };
    };
    const deploy = { deployments: ['sim'], debounce: true, trigger: 'cloudtrail' };

    it('Compliance: a deploy event audits once no other event arrived for a whole settle period', async () => {
      const { tableName, run, item, calls } = await setup();
      let reads = 0;
      const result = await run(deploy, {
        // Another deploy event of the burst arrives during the first wait: the holder waits once more.
        beforeTask: async (state) => {
          if (state !== 'ReadGate' || ++reads > 1) return;
          await client.send(
            new UpdateItemCommand({
              TableName: tableName,
              Key: gate,
              UpdateExpression: 'SET lastEventAt = :later',
              ExpressionAttributeValues: { ':later': { S: new Date(Date.now() + 1000).toISOString() } },
            }),
          );
        },
      });
      expect(reads).toBe(2);
      expect(result.audits).toEqual([expect.objectContaining({ deployment: 'sim' })]);
      expect(calls()).toBe(1);
      expect((await item())?.lockedBy).toBeUndefined();
    });

    it('Noncompliance 1: events while another execution holds the lock are recorded for it, not audited', async () => {
      const { run, lock, item, calls } = await setup();
      await lock('arn:aws:states:us-east-1:123456789012:execution:x:other', 60_000);
      const before = (await item())!.lastEventAt!.S!;
      expect((await run(deploy)).output).toEqual({ deployments: ['sim'], debounced: true });
      expect((await item())!.lastEventAt!.S! > before).toBe(true);
      // A scheduled run meanwhile leaves the live lock alone.
      await run({ deployments: ['sim'] });
      expect((await item())?.lockedBy?.S).toBe('arn:aws:states:us-east-1:123456789012:execution:x:other');
      expect(calls()).toBe(1);
    });

    it('Noncompliance 2: a lock left by an aborted execution is freed by its release request, another is kept', async () => {
      const { run, lock, item } = await setup();
      const aborted = 'arn:aws:states:us-east-1:123456789012:execution:x:aborted';
      await lock(aborted, 60_000);
      const release = (executionArn: string) =>
        run(undefined, {
          input: { release: { executionArn, status: 'ABORTED', input: JSON.stringify(deploy) } },
        });
      await release('arn:aws:states:us-east-1:123456789012:execution:x:someone-else');
      expect((await item())?.lockedBy?.S).toBe(aborted);
      await release(aborted);
      expect((await item())?.lockedBy).toBeUndefined();
    });

    it('Noncompliance 3: a lock without an event for a quarter-hour is freed by the next run', async () => {
      const { run, lock, item } = await setup();
      await lock('arn:aws:states:us-east-1:123456789012:execution:x:gone', 3_600_000);
      await run({ deployments: ['sim'] });
      expect((await item())?.lockedBy).toBeUndefined();
    });
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
    expect(next.audits).toEqual([
      expect.objectContaining({ deployment: 'sim', changed: false }),
      expect.objectContaining({ deployment: 'sim-b', notified: true }),
    ]);
  });

  describe('a big incident: 600 workspace pods in ImagePullBackOff', () => {
    /** The image-pull-backoff scenario with its failing workspace pod copied 600 times. */
    const incident = (): Scenario => {
      const base = loadScenario('image-pull-backoff');
      const pods = base.kubernetes.pods as Record<string, Record<string, unknown>>;
      const [name, pod] = Object.entries(pods).find(([k]) => k.startsWith('coder-ws/coder-heidi'))!;
      const copies = Object.fromEntries(
        Array.from({ length: 600 }, (_, i) => [
          name.replace('heidi-ml', `user${i}-ws`),
          { ...pod, labels: { ...(pod.labels as object), 'com.coder.user.username': `user${i}` } },
        ]),
      );
      return {
        ...base,
        name: 'incident-600',
        kubernetes: { ...base.kubernetes, pods: { ...pods, ...copies } },
      };
    };

    it('Noncompliance 1: results returned inline (as before) exceed 256 KiB: the runner fails that audit as Step Functions would', async () => {
      const tableName = await newTable();
      await sim.apply(incident());
      const results = new ResultStore({ client: doc, tableName });
      const inline = makeGroupHandler(clusterGroup, {
        awsClients: CLUSTER_CLIENTS,
        results,
        telemetry: localTelemetry(),
        maxInlineBytes: Number.POSITIVE_INFINITY,
      });
      try {
        const run = runLocalWorkflow({
          sim,
          tableEndpoint: db.endpoint,
          tableName,
          groupHandlers: { cluster: inline },
        });
        await expect(run).rejects.toMatchObject({ cause: { name: 'DeploymentAuditFailed' } });
      } finally {
        inline.close();
      }
      // The child execution died of States.DataLimitExceeded (no Catch handles it): nothing was stored.
      expect(await new FindingsStore({ client: doc, tableName }).list({ deployment: 'sim' })).toEqual([]);
    });

    it('Compliance: the audit completes, stores and alerts every finding, and no state exceeds 256 KiB', async () => {
      const tableName = await newTable();
      await sim.apply(incident());
      const run = await runLocalWorkflow({ sim, tableEndpoint: db.endpoint, tableName });
      expect(run.maxPayloadBytes).toBeLessThanOrEqual(STATE_PAYLOAD_LIMIT_BYTES);
      expect(run.audits).toEqual([expect.objectContaining({ deployment: 'sim', notified: true })]);
      const open = await new FindingsStore({ client: doc, tableName }).list({
        deployment: 'sim',
        open: true,
      });
      const pods = open.filter((f) => f.checkId === 'pods-config-errors');
      expect(pods.length).toBeGreaterThanOrEqual(601);
      expect(run.alerts).toHaveLength(1);
      expect(run.alerts[0]!.subject).toMatch(/new/);
    });
  });
});
