import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { formatDuration } from '../../cli/findings.js';
import { parseSince } from '../../cli/since.js';

const now = () => new Date('2026-11-25T12:00:00Z');

describe('Function: parseSince', () => {
  it('reads spans back from now', () => {
    expect(parseSince('90m', now).toISOString()).toBe('2026-11-25T10:30:00.000Z');
    expect(parseSince('24h', now).toISOString()).toBe('2026-11-24T12:00:00.000Z');
    expect(parseSince('7d', now).toISOString()).toBe('2026-11-18T12:00:00.000Z');
    expect(parseSince('2w', now).toISOString()).toBe('2026-11-11T12:00:00.000Z');
  });
  it('reads dates and date-times, in UTC unless a zone is given', () => {
    expect(parseSince('2026-11-01').toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(parseSince('2026-11-01T08:30').toISOString()).toBe('2026-11-01T08:30:00.000Z');
    expect(parseSince('2026-11-01T08:30:00+02:00').toISOString()).toBe('2026-11-01T06:30:00.000Z');
  });
  it('refuses anything else', () => {
    for (const v of ['yesterday', '7 days', '2026-13-45', '-3d', ''])
      expect(() => parseSince(v, now), v).toThrowError(InvalidArgumentError);
  });
});

describe('Function: formatDuration', () => {
  it('shows the two largest units', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(59)).toBe('59s');
    expect(formatDuration(3600)).toBe('1h');
    expect(formatDuration(3720)).toBe('1h 2m');
    expect(formatDuration(93_784)).toBe('1d 2h');
    expect(formatDuration(86_400 * 3 + 59)).toBe('3d');
  });
});
