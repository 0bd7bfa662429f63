import { redactLine } from '../../audit/redact.js';
import type { PodLog } from './collector.js';

/**
 * The runbook's "Common Log Patterns" failure classes, and PostgreSQL's "sorry, too many clients already"
 * (SQLSTATE 53300, what coderd logs when the connection slots run out), matched against what coderd and the
 * provisioners really write (cdr.dev/slog lines such as `2024-05-01 12:00:00.000 [erro]  coderd: ...
 * error="..."`, with the texts of lib/pq, pgx, net, golang.org/x/oauth2, Terraform and the AWS SDK
 * underneath), the runbook's own wording kept as one more form. Fixtures: test/fixtures/logs. Each class
 * gives a reason of log-error-patterns (its severity is in the check's metadata). Every pattern is anchored
 * on a literal and has only bounded gaps, so a (capped) line is scanned linearly; `grep` is the same pattern
 * as a POSIX ERE, for the remediation, so it finds exactly the lines that were counted.
 */
export const ERROR_PATTERNS: readonly {
  id: string;
  /** The runbook's wording of the class. */
  text: string;
  match: RegExp;
  grep: string;
}[] = [
  {
    id: 'connection-refused',
    text: 'connection refused',
    match: /connection refused/i,
    grep: 'connection refused',
  },
  {
    id: 'database-timeout',
    text: 'database timeout',
    match:
      /database timeout|statement timeout|(?:postgres|pq:|pgx|database|:5432)[^\n]{0,400}?(?:timed out|i\/o timeout|deadline exceeded)/i,
    grep: 'database timeout|statement timeout|(postgres|pq:|pgx|database|:5432).*(timed out|i/o timeout|deadline exceeded)',
  },
  {
    // lib/pq and pgx: `pq: sorry, too many clients already`, `FATAL: sorry, too many clients already (SQLSTATE 53300)`.
    id: 'too-many-clients',
    text: 'too many clients',
    match: /too many clients/i,
    grep: 'too many clients',
  },
  {
    id: 'terraform-plan-failed',
    text: 'terraform plan failed',
    match: /terraform plan(?: failed|: exit status \d{1,3})/i,
    grep: 'terraform plan( failed|: exit status [0-9]+)',
  },
  {
    id: 'aws-api-rate-limit',
    text: 'AWS API rate limit',
    match:
      /AWS API rate limit|RequestLimitExceeded|ThrottlingException|Throttling: Rate exceeded|TooManyRequestsException|throttled by EC2/i,
    grep: 'AWS API rate limit|RequestLimitExceeded|ThrottlingException|Throttling: Rate exceeded|TooManyRequestsException|throttled by EC2',
  },
  {
    id: 'oidc-callback-failed',
    text: 'OIDC callback failed',
    match:
      /OIDC callback failed|id_token not found in response payload|oauth2: cannot fetch token|oidc: id token|path=\/api\/v2\/users\/oidc\/callback\s[^\n]{0,600}?status_code=[45]\d\d/i,
    grep: 'OIDC callback failed|id_token not found in response payload|oauth2: cannot fetch token|oidc: id token|path=/api/v2/users/oidc/callback .*status_code=[45][0-9][0-9]',
  },
  {
    id: 'token-expired',
    text: 'token expired',
    match: /token expired|token is expired|API key expired|refresh token is invalid, expired/i,
    grep: 'token expired|token is expired|API key expired|refresh token is invalid, expired',
  },
];

/** Most characters of one log line that are matched: a longer line is cut first (it stays one line). */
export const MAX_LINE_CHARS = 2048;

/**
 * Whether a "connection refused" line is about the database: it names PostgreSQL or the database, or dials
 * the database port; a line that dials another port is not; otherwise a coderd line is (the runbook files
 * `"error": "connection refused"` under coderd's database connection errors) and a provisioner line is not
 * (external provisioners dial coderd, never the database). Bounded patterns: linear on a capped line.
 */
export function refusedByDatabase(line: string, component: PodLog['component'], dbPort: number): boolean {
  if (/postgres|\bpq:|pgx|database/i.test(line)) return true;
  const dialed = /dial tcp [^\s:]{0,255}(?::[^\s:]{0,255}){0,8}:(\d{1,5})\b/i.exec(line)?.[1];
  if (dialed !== undefined) return Number(dialed) === dbPort;
  return component === 'coderd';
}

/** Occurrences of one reason: per pod, the namespaces and components, up to 3 distinct redacted samples. */
export interface PatternHits {
  /** The runbook's wording of the class. */
  pattern: string;
  /** The class's pattern as a POSIX ERE (what the remediation greps). */
  grep: string;
  count: number;
  byPod: Record<string, number>;
  namespaces: string[];
  components: PodLog['component'][];
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

/**
 * Count the patterns over the logs read (each line capped before matching), by reason: the pattern's id,
 * or `database-connection-refused` for a "connection refused" the database gave (see `refusedByDatabase`).
 */
export function scanLogs(logs: readonly PodLog[], dbPort: number): Map<string, PatternHits> {
  const hits = new Map<string, PatternHits & { sampleSet: Set<string> }>();
  for (const l of logs) {
    for (const line of logLines(l.text ?? '')) {
      for (const p of ERROR_PATTERNS) {
        if (!p.match.test(line)) continue;
        const reason =
          p.id === 'connection-refused' && refusedByDatabase(line, l.component, dbPort)
            ? 'database-connection-refused'
            : p.id;
        const h = hits.get(reason) ?? {
          pattern: p.text,
          grep: p.grep,
          count: 0,
          byPod: {},
          namespaces: [],
          components: [],
          samples: [],
          sampleSet: new Set<string>(),
        };
        h.count += 1;
        h.byPod[l.pod] = (h.byPod[l.pod] ?? 0) + 1;
        if (!h.namespaces.includes(l.namespace)) h.namespaces.push(l.namespace);
        if (!h.components.includes(l.component)) h.components.push(l.component);
        if (h.sampleSet.size < 3) h.sampleSet.add(redactLine(line));
        hits.set(reason, h);
      }
    }
  }
  return new Map(
    [...hits].map(([reason, { sampleSet, ...h }]) => [reason, { ...h, samples: [...sampleSet] }]),
  );
}
