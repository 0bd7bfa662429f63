import type { AuditReport } from '../lambdas/audit/runner.js';
import type { AlertMessage } from '../lambdas/notify/render.js';
import { FindingsStore } from '../lambdas/store/findings-store.js';
import { documentClient } from '../lambdas/handlers/dynamo.js';
import { createFindingsTable, localClients, startDynalite } from './dynamodb.js';
import { startSim } from './index.js';
import type { Scenario } from './scenario.js';
import { runLocalWorkflow } from './workflow.js';

export interface DemoResult {
  report: AuditReport;
  workflow: {
    executionId: string;
    /** Billed state transitions of the Standard parent (one per child execution included). */
    transitions: number;
    /** Largest state input or output (or task result) of the run, in bytes of JSON (limit 262,144). */
    maxPayloadBytes: number;
    ms: number;
    storedOpen: number;
  };
  alerts: AlertMessage[];
}

/**
 * The demo: start the simulated deployment and a local DynamoDB, execute the real Step Functions workflow
 * locally (group Lambdas → Aggregate → store → Notify), and return the report and the alert it would send.
 */
export async function runDemo(opts: {
  scenario: Scenario;
  runbookUrl?: string;
  log?: (line: string) => void;
}): Promise<DemoResult> {
  const log = opts.log ?? (() => {});
  const [sim, dynamo] = await Promise.all([startSim({ scenario: opts.scenario }), startDynalite()]);
  const { client, doc } = localClients(dynamo.endpoint);
  try {
    const tableName = 'coder-auditor-findings';
    await createFindingsTable(client, tableName);
    log(
      `Running the audit workflow (statemachines/audit.asl.json) locally for deployment ${sim.deployment.id}`,
    );
    const run = await runLocalWorkflow({
      sim,
      tableEndpoint: dynamo.endpoint,
      tableName,
      onGroupResult: (r) => {
        log(
          `  ✓ ${r.group}: ${r.skipped ? `skipped (${r.skipped})` : `${r.findings.length} findings in ${r.ms} ms`}`,
        );
      },
      ...(opts.runbookUrl ? { runbookUrl: opts.runbookUrl } : {}),
    });
    // The report the workflow's Aggregate task recorded and alerted on, as it is.
    const audit = run.reports.find((r) => r.deployment === sim.deployment.id);
    if (!audit)
      throw new Error(
        `the workflow recorded no audit of ${sim.deployment.id}: ${JSON.stringify(run.audits)}`,
      );
    const store = new FindingsStore({ client: documentClient(client), tableName });
    const open = await store.list({ deployment: sim.deployment.id, open: true });
    return {
      report: audit,
      workflow: {
        executionId: run.executionId,
        transitions: run.transitions,
        maxPayloadBytes: run.maxPayloadBytes,
        ms: run.ms,
        storedOpen: open.length,
      },
      alerts: run.alerts,
    };
  } finally {
    doc.destroy();
    client.destroy();
    await Promise.allSettled([sim.stop(), dynamo.stop()]);
  }
}
