import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentConfig } from '../../lambdas/audit/config.js';
import { viewEntry } from '../../lambdas/audit/access-entries.js';
import { FindingsStore } from '../../lambdas/store/findings-store.js';
import { SIM_IDS } from '../../sim/deployment.js';
import { startSim, type Sim } from '../../sim/index.js';
import { loadScenario, type Scenario } from '../../sim/scenario.js';
import { runLocalWorkflow } from '../../sim/workflow.js';
import { createFindingsTable, localClients, startDynalite, type Dynalite } from '../helpers/dynalite.js';

/**
 * Two accounts in one simulated deployment, audited by one execution of the workflow: the sim's own
 * account with its static credentials, and another account through its read-only role (AssumeRole with
 * an external id, as `CoderAuditorTarget` creates it). The workflow reads both configurations from the
 * fleet's parameters. The one Kubernetes twin plays both accounts' clusters: each principal is
 * authenticated by its own access entry (the sim's user, and the other account's role).
 */
const OTHER = '210987654321';
const ROLE = `arn:aws:iam::${OTHER}:role/coder-auditor-read-only`;
const NAMESPACES = ['coder', 'coder-prov', 'coder-ws'];

function twoAccounts(): Scenario {
  const healthy = loadScenario('healthy');
  return {
    ...healthy,
    accounts: {
      [OTHER]: {
        aws: {
          iam: {
            roles: {
              'coder-auditor-read-only': {
                trust: [`arn:aws:iam::${SIM_IDS.accountId}:user/coder-auditor-sim`],
                externalId: 'x-123',
              },
            },
          },
          // Only the other account's database security group lost its 5432 rule from the nodes.
          ec2: { securityGroups: { [SIM_IDS.dbSecurityGroupId]: { ingress: null } } },
        },
      },
    },
  };
}

let sim: Sim;
let db: Dynalite;
let client: DynamoDBClient;
let doc: DynamoDBDocumentClient;
let tables = 0;

beforeAll(async () => {
  db = await startDynalite();
  ({ client, doc } = localClients(db.endpoint));
  sim = await startSim({ scenario: twoAccounts() });
});
afterAll(async () => {
  await sim?.stop();
  client?.destroy();
  await db?.stop();
});

/**
 * The sim's deployment in its own account, and the same platform in the other account, through the role.
 * Both audits run at once in this one process with every twin: generous client budgets and latency
 * threshold keep a loaded machine from making findings of its own (none of them is what is tested).
 */
function fleet(externalId = 'x-123'): DeploymentConfig[] {
  const mine: DeploymentConfig = {
    ...sim.deployment,
    timeouts: { callMs: 30_000, groupMs: 60_000 },
    thresholds: { ...sim.deployment.thresholds, healthzLatencyWarnMs: 30_000 },
  };
  const other: DeploymentConfig = {
    ...mine,
    id: 'sim-b',
    aws: { ...mine.aws, roleArn: ROLE, externalId },
  };
  return [mine, other];
}

async function audit(deployments: DeploymentConfig[]) {
  const tableName = `cross-${++tables}`;
  await createFindingsTable(client, tableName);
  const run = await runLocalWorkflow({
    sim,
    tableEndpoint: db.endpoint,
    tableName,
    input: { trigger: 'schedule' },
    fleet: () => deployments,
  });
  const store = new FindingsStore({ client: doc, tableName });
  const open = async (id: string) => store.list({ deployment: id, open: true });
  return { run, open };
}

describe('End to end: two accounts, one workflow', () => {
  it('audits the other account through its role, and each account sees its own resources', async () => {
    const { run, open } = await audit(fleet());
    expect(run.audits.map((a) => [a.deployment, a.failed ?? false])).toEqual([
      ['sim', false],
      ['sim-b', false],
    ]);
    const mine = await open('sim');
    const theirs = await open('sim-b');
    expect(mine).toEqual([]);
    expect(theirs.map((f) => `${f.checkId} ${f.result}`)).toEqual(
      expect.arrayContaining(['db-sg-allows-nodes fail']),
    );
    // Only the other account's state is broken, and nothing of it could not be read.
    expect(theirs.filter((f) => f.result === 'error')).toEqual([]);
    expect(run.alerts.map((a) => a.attributes.deployment)).toEqual(['sim-b']);
  });

  it('Noncompliance 1: a wrong external id errors only the other account, with the AccessDenied of AssumeRole', async () => {
    const { run, open } = await audit(fleet('x-999'));
    expect(run.audits.map((a) => a.failed ?? false)).toEqual([false, false]);
    expect(await open('sim')).toEqual([]);
    const theirs = await open('sim-b');
    const errors = theirs.filter((f) => f.result === 'error');
    expect(errors.map((f) => f.checkId)).toContain('db-sg-allows-nodes');
    expect(errors.map((f) => f.detail).join('\n')).toContain(
      `is not authorized to perform: sts:AssumeRole on resource: ${ROLE}`,
    );
  });

  it("Noncompliance 2: without its own access entry, the other account's role is not authenticated by the cluster", async () => {
    // The cluster keeps the entry of the sim's principal only (as if CoderAuditorTarget had not created one).
    const scenario = twoAccounts();
    await sim.apply({
      ...scenario,
      kubernetes: { ...scenario.kubernetes, accessEntries: [viewEntry(sim.env.iam.userArn, NAMESPACES)] },
    });
    try {
      const { open } = await audit(fleet());
      expect((await open('sim')).filter((f) => f.result === 'error')).toEqual([]);
      const errors = (await open('sim-b')).filter((f) => f.result === 'error');
      expect(errors.map((f) => f.checkId)).toContain('pods-pending');
      expect(errors.find((f) => f.checkId === 'pods-pending')!.detail).toContain('401 Unauthorized');
    } finally {
      await sim.apply(twoAccounts());
    }
  });
});
