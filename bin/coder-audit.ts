import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { auditDeployment } from '../lambdas/audit/audit.js';
import { configJsonSchema, loadConfig } from '../lambdas/audit/config.js';
import { AuditError, ConfigError, UsageError } from '../lambdas/audit/errors.js';
import { atLeast, SEVERITIES, type Severity } from '../lambdas/audit/model.js';
import { FORMATS, renderReports, type Format } from '../lambdas/audit/report.js';
import type { AuditReport, ProgressEvent } from '../lambdas/audit/runner.js';
import { allChecks } from '../lambdas/checks/index.js';

/** Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage or configuration error. */
export const EXIT = { ok: 0, findings: 1, usage: 2 } as const;

function parseSeverity(v: string): Severity {
  if (!(SEVERITIES as readonly string[]).includes(v))
    throw new InvalidArgumentError(`must be one of ${SEVERITIES.join(', ')}`);
  return v as Severity;
}

function parseOnly(v: string): string[] {
  const ids = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const known = new Set(allChecks().map((c) => c.meta.id));
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length)
    throw new InvalidArgumentError(`unknown check id(s): ${unknown.join(', ')} (see \`coder-audit checks\`)`);
  return ids;
}

const formatOption = () => new Option('--format <format>', 'output format').choices(FORMATS).default('table');
const failOnOption = () =>
  new Option('--fail-on <severity>', 'exit 1 when a failing or erroring finding is at or above this severity')
    .argParser(parseSeverity)
    .default('high');

/** Exit code of a set of reports for a --fail-on threshold. Errors count: silence is not health. */
export function exitCodeFor(reports: readonly AuditReport[], failOn: Severity): number {
  const hit = reports.some((r) => r.findings.some((f) => f.status !== 'pass' && atLeast(f.severity, failOn)));
  return hit ? EXIT.findings : EXIT.ok;
}

function progress(quiet: boolean): (e: ProgressEvent) => void {
  return (e) => {
    if (quiet) return;
    if (e.type === 'group-start') process.stderr.write(`  … ${e.group} checks running\n`);
    else if (e.type === 'group-done')
      process.stderr.write(`  ✓ ${e.group}: ${e.findings} findings in ${e.ms} ms\n`);
    else process.stderr.write(`  - ${e.group} skipped: ${e.reason}\n`);
  };
}

function output(reports: AuditReport[], format: Format, showPasses: boolean): void {
  const colour = format === 'table' && process.stdout.isTTY === true && !process.env.NO_COLOR;
  process.stdout.write(renderReports(reports, format, { colour, showPasses }));
}

export function buildProgram(): Command {
  const program = new Command('coder-audit')
    .description('Audit a self-hosted Coder deployment on AWS against the troubleshooting runbook.')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('run')
    .description('audit real deployments with the default AWS credential chain (or the configured role)')
    .requiredOption('-c, --config <file>', 'configuration file (YAML or JSON)')
    .option('-d, --deployment <id>', 'only this deployment')
    .option('--only <checks>', 'comma-separated check ids', parseOnly)
    .addOption(formatOption())
    .addOption(failOnOption())
    .option('--show-passes', 'list passing checks too', false)
    .option('-q, --quiet', 'no progress on stderr', false)
    .action(
      async (o: {
        config: string;
        deployment?: string;
        only?: string[];
        format: Format;
        failOn: Severity;
        showPasses: boolean;
        quiet: boolean;
      }) => {
        const config = loadConfig(o.config);
        const deployments = o.deployment
          ? config.deployments.filter((d) => d.id === o.deployment)
          : config.deployments;
        if (deployments.length === 0) {
          throw new ConfigError(
            `deployment "${o.deployment}" is not in ${o.config} (have: ${config.deployments.map((d) => d.id).join(', ')})`,
          );
        }
        const reports: AuditReport[] = [];
        for (const d of deployments) {
          if (!o.quiet) process.stderr.write(`Auditing ${d.id} (${d.aws.region})\n`);
          reports.push(
            await auditDeployment(d, { ...(o.only ? { only: o.only } : {}), onProgress: progress(o.quiet) }),
          );
        }
        output(reports, o.format, o.showPasses);
        process.exitCode = exitCodeFor(reports, o.failOn);
      },
    );

  program
    .command('demo')
    .description(
      'start the simulated deployment, run the real audit workflow on it locally (group Lambdas, aggregate, ' +
        'DynamoDB state, alert), print the report and the alert e-mail, stop everything',
    )
    .option('-s, --scenario <name|file>', 'scenario name (see `coder-audit scenarios`) or YAML file', 'demo')
    .addOption(formatOption())
    .addOption(
      new Option(
        '--fail-on <severity>',
        'exit 1 when a finding is at or above this severity (default: always exit 0)',
      ).argParser(parseSeverity),
    )
    .option('--show-passes', 'list passing checks too', false)
    .option('-q, --quiet', 'no progress on stderr', false)
    .action(
      async (o: {
        scenario: string;
        format: Format;
        failOn: Severity;
        showPasses: boolean;
        quiet: boolean;
      }) => {
        const { runDemo } = await import('../sim/demo.js');
        const { loadScenario } = await import('../sim/scenario.js');
        const scenario = loadScenario(o.scenario);
        const log = (line: string) => {
          if (!o.quiet) process.stderr.write(line + '\n');
        };
        log(`Starting the simulated deployment (scenario ${scenario.name}): ${scenario.description}`);
        const demo = await runDemo({ scenario, log });
        output([demo.report], o.format, o.showPasses);
        if (o.format !== 'json') {
          const w = demo.workflow;
          const lines = [
            '',
            `Serverless workflow, run locally: ${w.transitions} state transitions in ${w.ms} ms; ` +
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
      },
    );

  program
    .command('sim')
    .description(
      'run the simulated deployment until interrupted, and write a configuration that points at it',
    )
    .option('-s, --scenario <name|file>', 'scenario name or YAML file', 'healthy')
    .option('--latency <ms>', 'added latency on every simulated call', (v) => Number.parseInt(v, 10), 0)
    .requiredOption(
      '-o, --write-config <file>',
      'where to write the configuration (YAML) for `coder-audit run`',
    )
    .action(async (o: { scenario: string; latency: number; writeConfig: string }) => {
      const { startSim } = await import('../sim/index.js');
      const { writeFileSync } = await import('node:fs');
      const { stringify } = await import('yaml');
      const sim = await startSim({ scenario: o.scenario });
      if (o.latency > 0)
        sim.faults.set([...sim.scenario.faults, { service: '*', kind: 'latency', ms: o.latency, rate: 1 }]);
      writeFileSync(o.writeConfig, stringify({ deployments: [sim.deployment] }), { mode: 0o600 });
      process.stderr.write(
        `simulated deployment running (scenario ${sim.scenario.name}); configuration in ${o.writeConfig}; Ctrl-C stops it\n`,
      );
      process.stdout.write('ready\n');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await sim.stop();
    });

  program
    .command('findings')
    .description("read the serverless auditor's findings table (what is open, since when, how often)")
    .requiredOption(
      '-t, --table <name>',
      'findings table name (stack output FindingsTableName)',
      process.env.CODER_AUDIT_TABLE,
    )
    .option('-d, --deployment <id>', 'only this deployment')
    .option('--open', 'only open findings', false)
    .option('--severity <severity>', 'only this severity (with --open)', parseSeverity)
    .option('--region <region>', 'AWS region (default: the default chain)')
    .option('--endpoint <url>', 'DynamoDB endpoint override (local testing)')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(
      async (o: {
        table: string;
        deployment?: string;
        open: boolean;
        severity?: Severity;
        region?: string;
        endpoint?: string;
        format: string;
      }) => {
        const { listFindings, renderFindings } = await import('../lambdas/store/cli.js');
        const findings = await listFindings(o);
        process.stdout.write(
          o.format === 'json' ? JSON.stringify(findings, null, 2) + '\n' : renderFindings(findings),
        );
      },
    );

  program
    .command('checks')
    .description('list the check catalogue')
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(['table', 'json', 'markdown'])
        .default('table'),
    )
    .action((o: { format: string }) => {
      const metas = allChecks().map((c) => c.meta);
      if (o.format === 'json') process.stdout.write(JSON.stringify(metas, null, 2) + '\n');
      else if (o.format === 'markdown') process.stdout.write(catalogueMarkdown());
      else
        for (const m of metas)
          process.stdout.write(
            `${m.id.padEnd(28)} ${m.group.padEnd(9)} ${m.severity.padEnd(9)} ${m.title}\n`,
          );
    });

  program
    .command('scenarios')
    .description('list the simulated scenarios')
    .action(async () => {
      const { listScenarios, loadScenario } = await import('../sim/scenario.js');
      for (const n of listScenarios())
        process.stdout.write(`${n.padEnd(32)} ${loadScenario(n).description}\n`);
    });

  program
    .command('schema')
    .description('print the JSON Schema of the configuration file')
    .action(() => {
      process.stdout.write(JSON.stringify(configJsonSchema(), null, 2) + '\n');
    });

  program
    .command('bench')
    .description('benchmark the audit against the simulated deployment with added latency per call')
    .option('--latency <ms,...>', 'added latencies per call, comma-separated', '50,100')
    .option('--runs <n>', 'measured audits per latency', (v) => Number.parseInt(v, 10), 5)
    .action(async (o: { latency: string; runs: number }) => {
      const latencies = o.latency.split(',').map((v) => Number.parseInt(v, 10));
      if (latencies.some((l) => !Number.isInteger(l) || l <= 0) || !(o.runs > 0)) {
        throw new UsageError('--latency takes positive whole milliseconds, --runs a positive count');
      }
      const { runBench } = await import('../scripts/bench.js');
      await runBench({ latencies, runs: o.runs });
    });

  return program;
}

/** The catalogue as a markdown table (README section; a test keeps them equal). */
export function catalogueMarkdown(): string {
  const rows = allChecks().map(
    (c) =>
      `| \`${c.meta.id}\` | ${c.meta.group} | ${c.meta.severity} | ${c.meta.description} | ${c.meta.guideSection} |`,
  );
  return (
    [
      '| Check | Group | Severity | Detects | Runbook section |',
      '| --- | --- | --- | --- | --- |',
      ...rows,
    ].join('\n') + '\n'
  );
}

/** Run the CLI; returns the exit code instead of exiting (tests call this). */
export async function main(argv: readonly string[]): Promise<number> {
  process.exitCode = 0;
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help'
      )
        return EXIT.ok;
      return EXIT.usage;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`coder-audit: ${err.message}\n`);
      return EXIT.usage;
    }
    if (err instanceof AuditError) {
      process.stderr.write(`coder-audit: ${err.message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(
      `coder-audit: unexpected error: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    return EXIT.usage;
  }
}

const invokedDirectly = process.argv[1] && /coder-audit\.(mjs|ts)$/.test(process.argv[1]);
if (invokedDirectly) {
  const code = await main(process.argv.slice(2));
  process.exitCode = code;
  // Do not wait for idle keep-alive sockets; still let stdout drain first.
  setTimeout(() => process.exit(code), 500).unref();
}
