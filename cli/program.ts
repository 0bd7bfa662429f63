import { Command, Option } from 'commander';
import type { Severity } from '../lambdas/audit/model.js';
import {
  EXIT,
  failOnOption,
  formatOption,
  outputOption,
  parseOnly,
  parsePositiveInt,
  parseSeverity,
  type Format,
  type OutputSpec,
} from './options.js';
import { parseSince } from './since.js';
import { VERSION } from './version.js';

// Every command loads its modules when it runs, so `--help`, `--version` and `checks` never load the AWS
// SDK, the Kubernetes client or the simulated deployment (each is its own chunk in dist/cli).

export interface RunOptions {
  config: string;
  deployment?: string;
  only?: string[];
  format: Format;
  output?: OutputSpec[];
  failOn: Severity;
  showPasses: boolean;
  quiet: boolean;
}

export interface DemoOptions {
  scenario: string;
  format: Format;
  output?: OutputSpec[];
  failOn?: Severity;
  showPasses: boolean;
  quiet: boolean;
}

export interface FindingsOptions {
  table: string;
  deployment?: string;
  open: boolean;
  since?: Date;
  severity?: Severity;
  region?: string;
  endpoint?: string;
  format: 'table' | 'json';
}

/** The command line, with its commands, options and help. */
export function buildProgram(): Command {
  const program = new Command('coder-audit')
    .description('Audit a self-hosted Coder deployment on AWS against the troubleshooting runbook.')
    .version(VERSION, '-V, --version', 'print the version')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('run')
    .description('audit real deployments with the default AWS credential chain (or the configured role)')
    .requiredOption('-c, --config <file>', 'configuration file (YAML or JSON)')
    .option('-d, --deployment <id>', 'only this deployment')
    .option('--only <checks>', 'comma-separated check ids (see `coder-audit checks`)', parseOnly)
    .addOption(formatOption())
    .addOption(outputOption())
    .addOption(failOnOption())
    .option('--show-passes', 'list passing checks too', false)
    .option('-q, --quiet', 'no progress on stderr', false)
    .action(async (o: RunOptions) => (await import('./commands/run.js')).runCommand(o));

  program
    .command('demo')
    .description(
      'start the simulated deployment, run the real audit workflow on it locally (group Lambdas, aggregate, ' +
        'DynamoDB state, alert), print the report and the alert e-mail, stop everything (source checkout only)',
    )
    .option('-s, --scenario <name|file>', 'scenario name (see `coder-audit scenarios`) or YAML file', 'demo')
    .addOption(formatOption())
    .addOption(outputOption())
    .addOption(
      new Option(
        '--fail-on <severity>',
        'exit 1 when a finding is at or above this severity (default: always exit 0)',
      ).argParser(parseSeverity),
    )
    .option('--show-passes', 'list passing checks too', false)
    .option('-q, --quiet', 'no progress on stderr', false)
    .action(async (o: DemoOptions) => (await import('./commands/demo.js')).demoCommand(o));

  program
    .command('sim')
    .description(
      'run the simulated deployment until interrupted, and write a configuration that points at it (source checkout only)',
    )
    .option('-s, --scenario <name|file>', 'scenario name or YAML file', 'healthy')
    .option('--latency <ms>', 'added latency on every simulated call', (v) => Number.parseInt(v, 10), 0)
    .requiredOption(
      '-o, --write-config <file>',
      'where to write the configuration (YAML) for `coder-audit run`',
    )
    .action(async (o: { scenario: string; latency: number; writeConfig: string }) =>
      (await import('./commands/sim.js')).simCommand(o),
    );

  program
    .command('findings')
    .description(
      "read the serverless auditor's findings table: per finding when it opened, how often it was seen, when it resolved and how long that took",
    )
    .requiredOption(
      '-t, --table <name>',
      'findings table name (stack output FindingsTableName; default $CODER_AUDIT_TABLE)',
      process.env.CODER_AUDIT_TABLE,
    )
    .option('-d, --deployment <id>', 'only this deployment')
    .option('--open', 'only open findings', false)
    .option('--severity <severity>', 'only this severity (with --open)', parseSeverity)
    .option(
      '--since <when>',
      'only findings seen or resolved since then: a date (2026-11-01), a date-time, or a span back (24h, 7d, 2w)',
      (v: string) => parseSince(v),
    )
    .option('--region <region>', 'AWS region (default: the default chain)')
    .option('--endpoint <url>', 'DynamoDB endpoint override (local testing)')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (o: FindingsOptions) => {
      const { listFindings, renderFindings, withHistory } = await import('./findings.js');
      const now = new Date();
      const findings = (await listFindings(o)).map((f) => withHistory(f, now));
      process.stdout.write(
        o.format === 'json' ? JSON.stringify(findings, null, 2) + '\n' : renderFindings(findings),
      );
    });

  program
    .command('checks')
    .description('list the check catalogue')
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(['table', 'json', 'markdown'])
        .default('table'),
    )
    .action(async (o: { format: string }) => (await import('./commands/checks.js')).checksCommand(o));

  program
    .command('scenarios')
    .description('list the simulated scenarios (source checkout only)')
    .action(async () => (await import('./commands/sim.js')).scenariosCommand());

  program
    .command('schema')
    .description('print the JSON Schema of the configuration file')
    .action(async () => {
      const { configJsonSchema } = await import('../lambdas/audit/config.js');
      process.stdout.write(JSON.stringify(configJsonSchema(), null, 2) + '\n');
    });

  program
    .command('bench')
    .description(
      'benchmark start-up, the audit against the simulated deployment, and the serverless side (source checkout only)',
    )
    .option('--latency <ms,...>', 'added latencies per call, comma-separated', '50,100')
    .option('--runs <n>', 'measured audits per latency', parsePositiveInt, 5)
    .option(
      '--fleet <n>',
      'only the serverless side: run the whole workflow locally over n simulated deployments (cost, wall, transitions, payloads)',
      parsePositiveInt,
    )
    .addOption(
      new Option('--format <format>', 'output format of --fleet').choices(['text', 'json']).default('text'),
    )
    .action(async (o: { latency: string; runs: number; fleet?: number; format: 'text' | 'json' }) =>
      (await import('./commands/sim.js')).benchCommand(o),
    );

  return program;
}

export { EXIT };
