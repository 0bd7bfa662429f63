import { afterEach, describe, expect, it, vi } from 'vitest';
import { localTelemetry } from '../../lambdas/handlers/telemetry.js';
import { InvalidArgumentError } from 'commander';
import { parseOutput, planOutputs } from '../../cli/options.js';
import { useColour, writtenLines } from '../../cli/output.js';
import { UsageError } from '../../lambdas/audit/errors.js';

const tty = { isTTY: true } as NodeJS.WriteStream;
const pipe = { isTTY: false } as NodeJS.WriteStream;

describe('Function: useColour', () => {
  it('Compliance: a terminal without NO_COLOR gets colour', () => {
    expect(useColour(tty, { TERM: 'xterm-256color' })).toBe(true);
  });
  it('Noncompliance 1: NO_COLOR set to any non-empty value', () => {
    expect(useColour(tty, { NO_COLOR: '1' })).toBe(false);
    expect(useColour(tty, { NO_COLOR: 'yes' })).toBe(false);
  });
  it('Noncompliance 2: not a terminal (pipe, file, CI log)', () => {
    expect(useColour(pipe, {})).toBe(false);
  });
  it('Noncompliance 3: a dumb terminal', () => {
    expect(useColour(tty, { TERM: 'dumb' })).toBe(false);
  });
});

describe('Function: localTelemetry', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });
  it('logs to stderr, never to stdout (stdout carries the report)', () => {
    vi.stubEnv('LOG_LEVEL', 'debug');
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const { logger } = localTelemetry();
    logger.info('a line for the operator');
    logger.error('an error line');
    expect(out).not.toHaveBeenCalled();
    expect(err.mock.calls.map(([s]) => String(s)).join('')).toContain('a line for the operator');
  });
});

describe('Function: parseOutput', () => {
  it('reads FORMAT=FILE and a bare FILE, and accumulates', () => {
    expect(parseOutput('out.sarif')).toEqual([{ file: 'out.sarif' }]);
    expect(parseOutput('html=report.html', [{ file: 'out.sarif' }])).toEqual([
      { file: 'out.sarif' },
      { format: 'html', file: 'report.html' },
    ]);
    expect(parseOutput('./a=b.txt')).toEqual([{ file: './a=b.txt' }]);
  });
  it('rejects a misspelt format instead of writing a file named after it', () => {
    expect(() => parseOutput('sarfi=out.sarif')).toThrowError(InvalidArgumentError);
    expect(() => parseOutput('sarif=')).toThrowError(/give a file name/);
  });
});

describe('Function: planOutputs', () => {
  it('--format alone goes to stdout', () => {
    expect(planOutputs('json')).toEqual({ stdout: 'json', files: [] });
  });
  it('--format sarif --output out.sarif writes SARIF to the file and prints the table', () => {
    expect(planOutputs('sarif', [{ file: 'out.sarif' }])).toEqual({
      stdout: 'table',
      files: [{ format: 'sarif', file: 'out.sarif' }],
    });
  });
  it('named outputs leave --format on stdout', () => {
    expect(
      planOutputs('json', [
        { format: 'sarif', file: 'a.sarif' },
        { format: 'html', file: 'a.html' },
      ]),
    ).toEqual({
      stdout: 'json',
      files: [
        { format: 'sarif', file: 'a.sarif' },
        { format: 'html', file: 'a.html' },
      ],
    });
  });
  it('the table sent to a file is not printed too', () => {
    expect(planOutputs('table', [{ file: 'report.txt' }])).toEqual({
      files: [{ format: 'table', file: 'report.txt' }],
    });
  });
  it('refuses two bare files and the same file twice', () => {
    expect(() => planOutputs('sarif', [{ file: 'a' }, { file: 'b' }])).toThrowError(UsageError);
    expect(() =>
      planOutputs('table', [
        { format: 'sarif', file: 'a' },
        { format: 'html', file: 'a' },
      ]),
    ).toThrowError(/--output a is given twice/);
  });
});

describe('Function: writtenLines', () => {
  it('says where each file went and what to do with it', () => {
    expect(
      writtenLines([
        { format: 'sarif', file: 'out.sarif' },
        { format: 'asff', file: 'f.json' },
      ]),
    ).toEqual([
      'SARIF 2.1.0 written to out.sarif (upload it to GitHub code scanning with github/codeql-action/upload-sarif)',
      'ASFF findings written to f.json (import them with aws securityhub batch-import-findings --findings file://f.json, at most 100 per call)',
    ]);
  });
});
