import { existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { EXIT, planOutputs } from '../options.js';
import { emitReports, exitCodeFor, formatContext, writtenLines } from '../output.js';
import type { DemoOptions } from '../program.js';
import { loadSim } from './common.js';

/** `coder-audit demo`: the simulated deployment, the local workflow, the report and the alert e-mail. */
export async function demoCommand(o: DemoOptions): Promise<void> {
  const plan = planOutputs(o.format, o.output);
  const [{ runDemo }, { loadScenario }, { SCENARIO_DIR }] = await loadSim('demo', () =>
    Promise.all([import('../../sim/demo.js'), import('../../sim/scenario.js'), import('../../sim/paths.js')]),
  );
  const scenario = loadScenario(o.scenario);
  const log = (line: string) => {
    if (!o.quiet) process.stderr.write(line + '\n');
  };
  log(`Starting the simulated deployment (scenario ${scenario.name}): ${scenario.description}`);
  const demo = await runDemo({ scenario, log });
  // The report as `run` prints it, plus (in JSON) what the local workflow run measured.
  const { executionId: _e, storedOpen: _s, ...workflow } = demo.workflow;
  const report = { ...demo.report, workflow };
  // SARIF results point at the scenario file, the demo's stand-in for a configuration.
  const scenarioFile = join(SCENARIO_DIR, `${scenario.name}.yaml`);
  const artifact = existsSync(scenarioFile)
    ? { uri: relative(process.cwd(), scenarioFile).split(sep).join('/') }
    : undefined;
  const ctx = await formatContext([report], [], artifact);
  emitReports([report], plan, ctx, o.showPasses);
  const written = writtenLines(plan.files);
  if (plan.stdout === 'table' || plan.stdout === 'markdown') {
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
    if (written.length) lines.push('', ...written);
    process.stdout.write(lines.join('\n') + '\n');
  } else if (!o.quiet) {
    // stdout carries a machine format (or nothing): where the files went goes to stderr.
    for (const line of written) process.stderr.write(`${line}\n`);
  }
  process.exitCode = o.failOn ? exitCodeFor([demo.report], o.failOn) : EXIT.ok;
}
