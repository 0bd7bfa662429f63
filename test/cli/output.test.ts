import { afterEach, describe, expect, it, vi } from 'vitest';
import { localTelemetry } from '../../lambdas/handlers/telemetry.js';
import { useColour } from '../../cli/output.js';

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
