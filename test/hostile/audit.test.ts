import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderFormat } from '../../cli/formats/index.js';
import { FORMATS } from '../../cli/options.js';
import { formatContext } from '../../cli/output.js';
import { renderTable } from '../../cli/report.js';
import { auditDeployment } from '../../lambdas/audit/audit.js';
import type { AuditReport } from '../../lambdas/audit/runner.js';
import { createFindingsTable, localClients, startDynalite, type Dynalite } from '../../sim/dynamodb.js';
import { startSim, type Sim } from '../../sim/index.js';
import { runLocalWorkflow } from '../../sim/workflow.js';

/**
 * The hostile scenario end to end: real clients against twins that answer escape sequences, forged command
 * lines, markdown fences, secrets, adversarial long lines, a 100 MB body, an endless body, a slow body and a
 * wrong shape. Every renderer, the workflow's alert and the stored items stay inert and secret-free.
 */
const SECRETS = [
  'HOSTILEpw0rd1',
  'HOSTILEpw0rd2',
  'HOSTILEtok3n4',
  'HOSTILEpassphrase5',
  'HOSTILEpw0rd6',
  'HOSTILEsql7',
  'HOSTILElit8',
];
// eslint-disable-next-line no-control-regex -- the test looks for control characters
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

let sim: Sim;
let db: Dynalite;
let report: AuditReport;

beforeAll(async () => {
  [sim, db] = await Promise.all([startSim({ scenario: 'hostile' }), startDynalite()]);
  report = await auditDeployment(sim.deployment);
});
afterAll(async () => {
  await Promise.allSettled([sim?.stop(), db?.stop()]);
});

describe('Hostile input: a whole audit', () => {
  it('turns oversized, endless and slow answers into error or failing findings, never a pass', () => {
    const byCheck = (id: string) => report.findings.filter((f) => f.checkId === id);
    expect(byCheck('provisioner-key-age')[0]!.detail).toMatch(/larger than 8388608 bytes; not read/);
    expect(byCheck('auditor-token-expiry')[0]!.detail).toMatch(/larger than 262144 bytes; not read/);
    expect(byCheck('oidc-discovery')[0]).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/no answer within 2000 ms/),
    });
  });

  it('renders every format without control characters, and the text ones without forged command lines', async () => {
    const ctx = await formatContext([report], [sim.deployment]);
    for (const format of FORMATS) {
      const text = renderFormat(format, [report], ctx, { showPasses: true });
      expect(text, format).not.toMatch(CONTROL);
      if (format !== 'table' && format !== 'markdown') continue;
      // Every "$ " line is one of the report's own commands (in the table 10 spaces under a root cause or a
      // check that could not run, 12 under a symptom; none in markdown).
      for (const line of text.split('\n').filter((l) => /^\s*\$ /.test(l))) {
        expect(line, format).toMatch(format === 'table' ? /^ {10}(?: {2})?\$ / : /^\$ /);
        expect(line).not.toMatch(/evil\.example/);
      }
    }
    // eslint-disable-next-line no-control-regex -- removing the report's own colour codes
    const SGR = /\u001b\[[0-9;]*m/g;
    const coloured = renderTable(report, { colour: true, showPasses: true }).replace(SGR, '');
    expect(coloured).not.toMatch(CONTROL);
    // The hostile daemon name and version are there, quoted and inert (the OSC 52 payload redacted), in
    // the one finding of the skewed daemons.
    const table = renderTable(report);
    expect(table).toContain(`off coderd's "v2.24.2": "evil␛]52;c;[REDACTED]␇⏎          $ curl`);
    expect(table).toContain('runs "v2.23.0␛[2J␛[H```⏎⏎```bash⏎rm -rf ~"');
  });

  it('keeps every secret out of the reports, the alert, the stored items and the workflow output', async () => {
    const { client } = localClients(db.endpoint);
    await createFindingsTable(client, 'hostile');
    const run = await runLocalWorkflow({ sim, tableEndpoint: db.endpoint, tableName: 'hostile' });
    const items = await client.send(new ScanCommand({ TableName: 'hostile' }));
    client.destroy();
    const ctx = await formatContext([report], [sim.deployment]);
    const everything = [
      ...FORMATS.map((f) => renderFormat(f, [report], ctx, { showPasses: true })),
      JSON.stringify(run.output),
      ...run.alerts.map((a) => JSON.stringify(a)),
      JSON.stringify(items.Items),
    ].join('\n');
    expect(run.alerts.length).toBeGreaterThan(0);
    for (const s of SECRETS) expect(everything, s).not.toContain(s);
    for (const a of run.alerts) {
      expect(a.text).not.toMatch(CONTROL);
      for (const line of a.text.split('\n').filter((l) => /^\s*\$ /.test(l))) {
        expect(line).not.toMatch(/evil\.example|rm -rf|delete namespace/);
      }
    }
  });
});
