import { InvalidArgumentError } from 'commander';

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * `--since` of `coder-audit findings`: an ISO 8601 date or date-time (`2026-11-01`, `2026-11-01T08:00:00Z`;
 * UTC when no zone is given), or a span back from now (`90m`, `24h`, `7d`, `2w`). Its own module, so that
 * the command line is built without loading the AWS SDK.
 */
export function parseSince(v: string, now: () => Date = () => new Date()): Date {
  const span = /^(\d+)([mhdw])$/.exec(v.trim());
  if (span) return new Date(now().getTime() - Number(span[1]) * UNITS[span[2]!]!);
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?$/.exec(
    v.trim(),
  );
  if (m) {
    // A date is its start, and a time without a zone is UTC: the same instant on every machine.
    const t = Date.parse(`${m[1]}T${m[2] ?? '00:00'}${m[3] ?? 'Z'}`);
    if (!Number.isNaN(t)) return new Date(t);
  }
  throw new InvalidArgumentError(
    'give a date (2026-11-01, 2026-11-01T08:00:00Z) or a span (90m, 24h, 7d, 2w)',
  );
}
