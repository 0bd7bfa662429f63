import { InvalidArgumentError, Option } from 'commander';
import { UsageError } from '../lambdas/audit/errors.js';
import { SEVERITIES, type Severity } from '../lambdas/audit/model.js';

/** Formats for a terminal, a ticket or a script: what `renderReports` writes. */
export const TERMINAL_FORMATS = ['table', 'json', 'markdown'] as const;
export type TerminalFormat = (typeof TERMINAL_FORMATS)[number];

/** Output formats of `run` and `demo`: the terminal ones and the standard ones (cli/formats/). */
export const FORMATS = [...TERMINAL_FORMATS, 'html', 'sarif', 'junit', 'ocsf', 'asff'] as const;
export type Format = (typeof FORMATS)[number];

/** One `--output`: a file, and the format written to it (undefined: the `--format` one). */
export interface OutputSpec {
  format?: Format;
  file: string;
}

/** Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage or configuration error. */
export const EXIT = { ok: 0, findings: 1, usage: 2 } as const;

export function parseSeverity(v: string): Severity {
  if (!(SEVERITIES as readonly string[]).includes(v))
    throw new InvalidArgumentError(`must be one of ${SEVERITIES.join(', ')}`);
  return v as Severity;
}

/** `--only a,b`: at least one id; whether each exists is checked against the catalogue when the command runs. */
export function parseOnly(v: string): string[] {
  const ids = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (ids.length === 0)
    throw new InvalidArgumentError('give at least one check id (see `coder-audit checks`)');
  return ids;
}

export function parsePositiveInt(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n <= 0)
    throw new InvalidArgumentError('must be a positive whole number');
  return n;
}

export const formatOption = () =>
  new Option('--format <format>', 'output format').choices(FORMATS).default('table');
export const failOnOption = () =>
  new Option('--fail-on <severity>', 'exit 1 when a failing or erroring finding is at or above this severity')
    .argParser(parseSeverity)
    .default('high');

/**
 * `--output [FORMAT=]FILE`, repeatable: `sarif=out.sarif` writes SARIF to out.sarif; a bare `out.sarif`
 * writes the `--format` format there. A prefix that looks like a format name but is none is an error, not a
 * file name (`sarfi=out.sarif` must not quietly create a file called that).
 */
export function parseOutput(v: string, previous: OutputSpec[] = []): OutputSpec[] {
  const m = /^([a-z]+)=(.*)$/.exec(v);
  let spec: OutputSpec = { file: v };
  if (m) {
    const [, format = '', file = ''] = m;
    if (!(FORMATS as readonly string[]).includes(format))
      throw new InvalidArgumentError(`unknown format "${format}" (formats: ${FORMATS.join(', ')})`);
    spec = { format: format as Format, file };
  }
  if (!spec.file.trim()) throw new InvalidArgumentError('give a file name');
  return [...previous, spec];
}

/** Where each format goes: at most one to stdout, the others to files. */
export interface OutputPlan {
  stdout?: Format;
  files: Array<{ format: Format; file: string }>;
}

/**
 * Resolve `--format` and the `--output`s. Without a bare `--output FILE`, `--format` goes to stdout. A bare
 * `--output FILE` takes the `--format` format into FILE, and stdout shows the table instead (unless the table
 * itself went to the file). So `--format sarif --output out.sarif` writes out.sarif and prints the table, and
 * `--output sarif=out.sarif --output html=report.html` writes both and prints the table.
 */
export function planOutputs(format: Format, outputs: readonly OutputSpec[] = []): OutputPlan {
  const bare = outputs.filter((o) => o.format === undefined);
  if (bare.length > 1)
    throw new UsageError(
      `--output without a format can be given once (it takes --format ${format}); name the others FORMAT=FILE`,
    );
  const files = outputs.map((o) => ({ format: o.format ?? format, file: o.file }));
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.file)) throw new UsageError(`--output ${f.file} is given twice`);
    seen.add(f.file);
  }
  if (bare.length === 0) return { stdout: format, files };
  return format === 'table' ? { files } : { stdout: 'table', files };
}

export const outputOption = () =>
  new Option(
    '-o, --output <[format=]file>',
    'also write a format to a file (repeatable): sarif=out.sarif, junit=, ocsf=, asff=, html=, json=, markdown=; ' +
      'a bare FILE takes the --format format, and stdout then shows the table',
  ).argParser(parseOutput);
