import { EXIT } from '../options.js';
import { exitCodeFor, output } from '../output.js';
import type { DemoOptions } from '../program.js';
import { loadSim } from './common.js';

/** `coder-audit demo`: the simulated deployment, the local workflow, the report and the alert e-mail. */
export async function demoCommand(o: DemoOptions): Promise<void> {
  const [{ runDemo }, { loadScenario }] = await loadSim('demo', () =>
    Promise.all([import('../../sim/demo.js'), import('../../sim/scenario.js')]),
  );
  const scenario = loadScenario(o.scenario);
  const log = (line: string) => {
    if (!o.quiet) process.stderr.write(line + '\n');
  };
  log(`Starting the simulated deployment (scenario ${scenario.name}): ${scenario.description}`);
  const demo = await runDemo({ scenario, log });
  if (o.format === 'json') {
    // The report as `run --format json` prints it, plus what the local workflow run measured.
    const { executionId: _e, storedOpen: _s, ...workflow } = demo.workflow;
    process.stdout.write(JSON.stringify({ ...demo.report, workflow }, null, 2) + '\n');
  } else output([demo.report], o.format, o.showPasses);
  if (o.format !== 'json') {
    const w = demo.workflow;
    const lines = [
      '',
      `Serverless workflow, run locally: ${w.transitions} state transitions in ${w.ms} ms, largest state ` +
        `payload ${w.maxPayloadBytes} bytes (limit 262144); ` +
        `${w.storedOpen} open findings stored in DynamoDB (dynalite).`,
    ];
    if (demo.alerts.length === 0) lines.push('Nothing changed: no alert would be sent.');
    for (const a of demo.alerts) {
      lines.push(
        '',
        `The alert e-mail it would publish to SNS (attributes: severity=${a.attributes.severity}, deployment=${a.attributes.deployment}):`,
        '----------------------------------------------------------------------',
        `Subject: ${a.subject}`,
        '',
        a.text.trimEnd(),
        '----------------------------------------------------------------------',
      );
    }
    process.stdout.write(lines.join('\n') + '\n');
  }
  process.exitCode = o.failOn ? exitCodeFor([demo.report], o.failOn) : EXIT.ok;
}
