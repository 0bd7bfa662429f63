import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GroupId } from '../../lambdas/audit/model.js';
import type { GroupEvent } from '../../lambdas/handlers/group.js';
import type { PackedGroupResult } from '../../lambdas/handlers/payload.js';
import { deploymentParameterName } from '../../lambdas/handlers/policy.js';
import { eventDeployment } from '../../lambdas/handlers/runtime.js';
import { SimParameterStore } from '../../sim/aws/parameters.js';
import { startSim, type Sim } from '../../sim/index.js';
import { LOCAL_PARAMETER_PREFIX, runLocalWorkflow } from '../../sim/workflow.js';
import { createFindingsTable, localClients, startDynalite, type Dynalite } from '../helpers/dynalite.js';

// A wave of 50 deployments in flight (the Distributed Map's 5 children of 10) against the SSM twin, whose
// Parameter Store throughput is SSM's default: 40 TPS per account and Region, shared by GetParameter,
// GetParameters and GetParametersByPath. The twin's clock is stopped, so the whole wave lands within the same
// second (its worst case, and deterministic: the bucket's 40 tokens are all there is).
//
// The group functions here validate the document they are given (the real `eventDeployment`) and collect
// nothing: this test is about the configuration reads; the other workflow tests run the real collectors.

const WAVE = 50;
const GROUPS: GroupId[] = ['infra', 'cluster', 'database', 'coder'];
let db: Dynalite;
let client: DynamoDBClient;
let sim: Sim;
let tableNo = 0;

beforeAll(async () => {
  db = await startDynalite();
  ({ client } = localClients(db.endpoint));
  sim = await startSim({ scenario: 'healthy', groups: ['infra'] });
});
afterAll(async () => {
  await sim?.stop();
  client?.destroy();
  await db?.stop();
});
beforeEach(() => {
  const stopped = new Date('2030-01-01T10:00:00Z');
  sim.env.parameters.clock = () => stopped;
  sim.env.parameters.resetThroughput();
});

const fleet = () => Array.from({ length: WAVE }, (_, i) => ({ ...sim.deployment, id: `dep-${i}` }));
const newTable = async () => {
  const name = `fleet-ssm-${++tableNo}`;
  await createFindingsTable(client, name);
  return name;
};
/** A group function that collects nothing, after validating the deployment it was given as Lambda does. */
const quietGroup =
  (group: GroupId, read?: (id: string) => Promise<unknown>) =>
  async (event: GroupEvent): Promise<PackedGroupResult> => {
    const document = read ? await read(event.deployment) : event.document;
    const { deployment } = eventDeployment(event.deployment, document);
    return { deployment: deployment.id, group, findings: [], ms: 0 };
  };

describe('Workflow: SSM throughput of a fleet wave', () => {
  it('Compliance: one GetParameters per child of 10: 50 deployments make 6 SSM calls, none throttled', async () => {
    const run = await runLocalWorkflow({
      sim,
      tableEndpoint: db.endpoint,
      tableName: await newTable(),
      fleet,
      input: {},
      groupHandlers: Object.fromEntries(GROUPS.map((g) => [g, quietGroup(g)])),
    });
    expect(run.audits).toHaveLength(WAVE);
    expect(run.audits.filter((a) => a.failed || a.Error)).toEqual([]);
    // ReadFleet, then one GetParameters per child of 10 deployments.
    expect(run.ssmCalls).toEqual({ GetParameter: 1, GetParameters: WAVE / 10 });
    expect(run.ssmThrottles).toBe(0);
    expect(SimParameterStore.total(sim.env.parameters.served)).toBe(1 + WAVE / 10);
  });

  it('Noncompliance 1: per-function reads (each group function and Aggregate, cold caches) are throttled and fail audits', async () => {
    // As before: every invocation ran in its own cold environment and read its deployment's parameter with
    // Powertools Parameters (GetParameter), 5 reads per deployment.
    let reads = 0;
    let refused = 0;
    const read = async (id: string): Promise<unknown> => {
      reads += 1;
      const ssm = new SSMClient({
        endpoint: sim.deployment.aws.endpoint,
        region: sim.env.region,
        credentials: sim.env.credentials,
      });
      try {
        return await new SSMProvider({ awsSdkV3Client: ssm }).get(
          deploymentParameterName(LOCAL_PARAMETER_PREFIX, id),
          { transform: 'json', maxAge: 300 },
        );
      } catch (err) {
        refused += 1;
        throw err;
      } finally {
        ssm.destroy();
      }
    };
    {
      const run = runLocalWorkflow({
        sim,
        tableEndpoint: db.endpoint,
        tableName: await newTable(),
        fleet,
        input: {},
        groupHandlers: Object.fromEntries(GROUPS.map((g) => [g, quietGroup(g, read)])),
        intercept: async (state, payload, next) => {
          if (state === 'Aggregate') await read((payload as { deployment: string }).deployment);
          return next();
        },
      });
      // Aggregate cannot read the mutes after its retries: the audit is reported failed, the execution fails.
      await expect(run).rejects.toMatchObject({ cause: { name: 'DeploymentAuditFailed' } });
    }
    // 5 reads per deployment (fewer if a batch's own read was refused first), more with Aggregate's retries:
    // 350 in the runs we watched, 316 of them refused.
    expect(reads).toBeGreaterThan(4 * 40);
    // 40 calls were served in the stopped second (the workflow's own 6 among them); every other one was
    // refused with ThrottlingException, the SDK's 3 attempts included.
    expect(SimParameterStore.total(sim.env.parameters.served)).toBe(40);
    expect(SimParameterStore.total(sim.env.parameters.throttled)).toBeGreaterThanOrEqual((reads - 40) * 3);
    expect(refused).toBeGreaterThanOrEqual(reads - 40);
  });

  it('Noncompliance 2: a deployment of the fleet without its parameter is reported failed, the others audited', async () => {
    const audited: string[] = [];
    const run = runLocalWorkflow({
      sim,
      tableEndpoint: db.endpoint,
      tableName: await newTable(),
      fleet: () => fleet().slice(0, 2),
      input: { deployments: ['dep-0', 'ghost', 'dep-1'] },
      groupHandlers: {
        infra: async (e) => (audited.push(e.deployment), quietGroup('infra')(e)),
        ...Object.fromEntries(['cluster', 'database', 'coder'].map((g) => [g, quietGroup(g as GroupId)])),
      },
    });
    await expect(run).rejects.toMatchObject({ cause: { name: 'DeploymentAuditFailed' } });
    expect(audited.sort()).toEqual(['dep-0', 'dep-1']);
  });

  it('Noncompliance 3: a batch whose configuration cannot be read is reported failed, nothing audited blind', async () => {
    let audited = 0;
    sim.faults.set([{ service: 'ssm', operation: 'GetParameters', kind: 'accessDenied', rate: 1, ms: 0 }]);
    try {
      const run = runLocalWorkflow({
        sim,
        tableEndpoint: db.endpoint,
        tableName: await newTable(),
        fleet,
        input: { deployments: ['dep-0', 'dep-1'] },
        groupHandlers: Object.fromEntries(
          GROUPS.map((g) => [g, async (e: GroupEvent) => ((audited += 1), quietGroup(g)(e))]),
        ),
      });
      await expect(run).rejects.toMatchObject({ cause: { name: 'DeploymentAuditFailed' } });
    } finally {
      sim.faults.set([]);
    }
    expect(audited).toBe(0);
  });

  it("Compliance 2: a batch read throttled by the account's other SSM traffic is retried (Ssm.ThrottlingException), then audited", async () => {
    // Another application of the account spent this second's 40 reads.
    for (let i = 0; i < 40; i++) sim.env.parameters.admit(sim.env.accountId, 'GetParameter');
    let attempts = 0;
    const run = await runLocalWorkflow({
      sim,
      tableEndpoint: db.endpoint,
      tableName: await newTable(),
      fleet,
      input: { deployments: ['dep-0', 'dep-1'] },
      groupHandlers: Object.fromEntries(GROUPS.map((g) => [g, quietGroup(g)])),
      beforeTask: async (state) => {
        // The next second starts before the state's retry.
        if (state === 'ReadConfiguration' && ++attempts === 2) {
          const next = new Date('2030-01-01T10:00:01Z');
          sim.env.parameters.clock = () => next;
        }
      },
    });
    expect(attempts).toBe(2);
    expect(run.audits.map((a) => [a.deployment, a.failed ?? false])).toEqual([
      ['dep-0', false],
      ['dep-1', false],
    ]);
    // The first attempt's request and the SDK's two retries were throttled; the state's retry was served.
    expect(run.ssmThrottles).toBe(3);
    expect(run.ssmCalls).toEqual({ GetParameters: 4 });
  });
});
