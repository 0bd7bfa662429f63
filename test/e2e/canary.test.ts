import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditDeployment } from '../../lambdas/audit/audit.js';
import { renderFormat } from '../../cli/formats/index.js';
import { FORMATS } from '../../cli/options.js';
import { formatContext } from '../../cli/output.js';
import { createFindingsTable, localClients, startDynalite, type Dynalite } from '../../sim/dynamodb.js';
import { startSim, type Sim } from '../../sim/index.js';
import { runLocalWorkflow } from '../../sim/workflow.js';

/**
 * Secrets must appear in no output, finding, log line, stored item or alert: the sim hands out a database
 * password and a Coder token with a recognisable canary, the auditor signs EKS bearer tokens with the sim's
 * secret key, and a coderd log line carries a connection string with a password.
 */
const CANARY = 'CANARYq7x9';
const LOGGED_PASSWORD = 'S3cretPassw0rd'; // in a coderd log line of the coderd-crashloop scenario
/**
 * One distinct canary per free-text source of the hostile scenario, each in a secret-shaped context: the
 * health report (a database URL, password=), a pod's waiting message (Authorization: Token, passphrase:), a
 * coderd log line (a URL password) and a pg_stat_activity query (a nested comment, a literal).
 */
const SOURCE_CANARIES = {
  healthReportUrl: 'HOSTILEpw0rd1',
  healthReportPassword: 'HOSTILEpw0rd2',
  podMessageAuthorization: 'HOSTILEtok3n4',
  podMessagePassphrase: 'HOSTILEpassphrase5',
  coderdLog: 'HOSTILEpw0rd6',
  sqlComment: 'HOSTILEsql7',
  sqlLiteral: 'HOSTILElit8',
};
let sim: Sim;
let db: Dynalite;
const captured: string[] = [];
const restore: Array<() => void> = [];

beforeAll(async () => {
  process.env.LOG_LEVEL = 'DEBUG';
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      captured.push(String(chunk));
      return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
    restore.push(() => (stream.write = write));
  }
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const original = console[level];
    console[level] = (...args: unknown[]) => {
      captured.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
    };
    restore.push(() => (console[level] = original));
  }
  [sim, db] = await Promise.all([startSim({ scenario: 'demo', canary: CANARY }), startDynalite()]);
});
afterAll(async () => {
  for (const r of restore) r();
  delete process.env.LOG_LEVEL;
  await Promise.allSettled([sim?.stop(), db?.stop()]);
});

describe('Security: secrets never leak', () => {
  it('keeps the canaries out of reports, logs, stored findings and alerts, on healthy and failing paths', async () => {
    const { client } = localClients(db.endpoint);
    await createFindingsTable(client, 'canary');
    const outputs: string[] = [];
    for (const scenario of [
      'demo',
      'coderd-crashloop',
      'coder-api-malformed',
      'db-refusing-connections',
      'hostile',
      'healthy',
    ]) {
      await sim.apply(scenario);
      const report = await auditDeployment(sim.deployment);
      // Every output format, the standard ones (SARIF, JUnit, OCSF, ASFF, HTML) included.
      const ctx = await formatContext([report], [sim.deployment]);
      for (const format of FORMATS) outputs.push(renderFormat(format, [report], ctx, { showPasses: true }));
      const run = await runLocalWorkflow({ sim, tableEndpoint: db.endpoint, tableName: 'canary' });
      outputs.push(JSON.stringify(run.output), ...run.alerts.map((a) => JSON.stringify(a)));
    }
    const items = await client.send(new ScanCommand({ TableName: 'canary' }));
    outputs.push(JSON.stringify(items.Items));
    client.destroy();

    const everything = [...outputs, ...captured].join('\n');
    expect(everything.length).toBeGreaterThan(10_000);
    // The Lambda handlers' structured logs were captured (Powertools Logger at DEBUG).
    expect(captured.join('\n')).toMatch(/"message":"group done"/);
    // The checks did see the secrets' surroundings: the database and the Coder API were reached.
    expect(everything).toContain('db-connections-usage');
    expect(everything).toContain('provisioner-key-age');
    // ...and the hostile scenario's sources around each canary were read and reported (redacted).
    expect(everything).toContain('postgres://[REDACTED]@aurora.internal:5432/coder');
    expect(everything).toContain('Authorization: [REDACTED]');
    for (const secret of [
      CANARY,
      sim.secrets.dbPassword,
      sim.secrets.coderToken,
      sim.env.credentials.secretAccessKey,
      'k8s-aws-v1.',
      LOGGED_PASSWORD,
      ...Object.values(SOURCE_CANARIES),
    ]) {
      expect(everything, `leaked: ${secret}`).not.toContain(secret);
    }
  });
});
