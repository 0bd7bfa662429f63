import type { Severity } from '../../audit/model.js';
import { redactLine } from '../../audit/redact.js';
import type { PodLog } from './collector.js';

/**
 * The runbook's "Common Log Patterns" failure classes, matched against what coderd and the provisioners
 * really write (cdr.dev/slog lines such as `2024-05-01 12:00:00.000 [erro]  coderd: ...  error="..."`, with
 * the texts of lib/pq, net, golang.org/x/oauth2, Terraform and the AWS SDK underneath), the runbook's own
 * wording kept as one more form. Fixtures: test/fixtures/logs. Database classes are high, the others medium.
 * Every pattern is anchored on a literal and has only bounded gaps, so a (capped) line is scanned linearly;
 * `grep` is the same pattern as a POSIX ERE, for the remediation.
 */
export const ERROR_PATTERNS: readonly {
  id: string;
  /** The runbook's wording of the class. */
  text: string;
  match: RegExp;
  grep: string;
  severity: Severity;
}[] = [
  {
    id: 'connection-refused',
    text: 'connection refused',
    match: /connection refused/i,
    grep: 'connection refused',
    severity: 'high',
  },
  {
    id: 'database-timeout',
    text: 'database timeout',
    match:
      /database timeout|statement timeout|(?:postgres|pq:|pgx|database|:5432)[^\n]{0,400}?(?:timed out|i\/o timeout|deadline exceeded)/i,
    grep: 'database timeout|statement timeout|(postgres|pq:|pgx|database|:5432).*(timed out|i/o timeout|deadline exceeded)',
    severity: 'high',
  },
  {
    id: 'terraform-plan-failed',
    text: 'terraform plan failed',
    match: /terraform plan(?: failed|: exit status \d{1,3})/i,
    grep: 'terraform plan( failed|: exit status [0-9]+)',
    severity: 'medium',
  },
  {
    id: 'aws-api-rate-limit',
    text: 'AWS API rate limit',
    match:
      /AWS API rate limit|RequestLimitExceeded|ThrottlingException|Throttling: Rate exceeded|TooManyRequestsException|throttled by EC2/i,
    grep: 'AWS API rate limit|RequestLimitExceeded|ThrottlingException|Throttling: Rate exceeded|TooManyRequestsException|throttled by EC2',
    severity: 'medium',
  },
  {
    id: 'oidc-callback-failed',
    text: 'OIDC callback failed',
    match:
      /OIDC callback failed|id_token not found in response payload|oauth2: cannot fetch token|oidc: id token|path=\/api\/v2\/users\/oidc\/callback\s[^\n]{0,600}?status_code=[45]\d\d/i,
    grep: 'OIDC callback failed|id_token not found in response payload|oauth2: cannot fetch token|oidc: id token|path=/api/v2/users/oidc/callback .*status_code=[45][0-9][0-9]',
    severity: 'medium',
  },
  {
    id: 'token-expired',
    text: 'token expired',
    match: /token expired|token is expired|API key expired|refresh token is invalid, expired/i,
    grep: 'token expired|token is expired|API key expired|refresh token is invalid, expired',
    severity: 'medium',
  },
];

/** Most characters of one log line that are matched: a longer line is cut first (it stays one line). */
export const MAX_LINE_CHARS = 2048;

/** Occurrences of one pattern: per pod, the namespaces, and up to 3 distinct redacted sample lines. */
export interface PatternHits {
  count: number;
  byPod: Record<string, number>;
  namespaces: string[];
  samples: string[];
}

/** The lines of a log, each cut to MAX_LINE_CHARS: one linear pass, no line copied whole. */
export function* logLines(text: string): Generator<string> {
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    yield text.slice(start, Math.min(end, start + MAX_LINE_CHARS));
    start = end + 1;
  }
}

/** Count a pattern over the logs read (each line capped before matching). */
export function countPattern(logs: readonly PodLog[], match: RegExp): PatternHits {
  const byPod: Record<string, number> = {};
  const samples = new Set<string>();
  const namespaces = new Set<string>();
  let count = 0;
  for (const l of logs) {
    for (const line of logLines(l.text ?? '')) {
      if (!match.test(line)) continue;
      count += 1;
      byPod[l.pod] = (byPod[l.pod] ?? 0) + 1;
      namespaces.add(l.namespace);
      if (samples.size < 3) samples.add(redactLine(line));
    }
  }
  return { count, byPod, namespaces: [...namespaces], samples: [...samples] };
}
