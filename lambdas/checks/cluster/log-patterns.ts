import type { PodLog } from './collector.js';
import { redact } from './redact.js';

/**
 * The runbook's "Common Log Patterns" error patterns, and PostgreSQL's "sorry, too many clients already"
 * (SQLSTATE 53300, what coderd logs when the connection slots run out). Each line that matches gives a
 * reason of log-error-patterns; the remediation greps the pattern itself (case-insensitive), so it finds
 * exactly the lines that were counted.
 */
export const ERROR_PATTERNS: readonly { id: string; text: string }[] = [
  { id: 'connection-refused', text: 'connection refused' },
  { id: 'database-timeout', text: 'database timeout' },
  { id: 'too-many-clients', text: 'too many clients' },
  { id: 'terraform-plan-failed', text: 'terraform plan failed' },
  { id: 'aws-api-rate-limit', text: 'AWS API rate limit' },
  { id: 'oidc-callback-failed', text: 'OIDC callback failed' },
  { id: 'token-expired', text: 'token expired' },
];

/**
 * Whether a "connection refused" line is about the database: it names PostgreSQL or the database, or dials
 * the database port; a line that dials another port is not; otherwise a coderd line is (the runbook files
 * `"error": "connection refused"` under coderd's database connection errors) and a provisioner line is not
 * (external provisioners dial coderd, never the database).
 */
export function refusedByDatabase(line: string, component: PodLog['component'], dbPort: number): boolean {
  if (/postgres|\bpq:|database/i.test(line)) return true;
  const dialed = /dial tcp \S*:(\d+)/i.exec(line)?.[1];
  if (dialed !== undefined) return Number(dialed) === dbPort;
  return component === 'coderd';
}

/** Occurrences of one reason: per pod, the namespaces and components, up to 3 distinct redacted samples. */
export interface PatternHits {
  pattern: string;
  count: number;
  byPod: Record<string, number>;
  namespaces: string[];
  components: PodLog['component'][];
  samples: string[];
}

/**
 * Count the patterns (case-insensitive substrings) over the logs read, by reason: the pattern's id, or
 * `database-connection-refused` for a "connection refused" the database gave (see `refusedByDatabase`).
 */
export function scanLogs(logs: readonly PodLog[], dbPort: number): Map<string, PatternHits> {
  const hits = new Map<string, PatternHits & { sampleSet: Set<string> }>();
  for (const l of logs) {
    for (const line of (l.text ?? '').split('\n')) {
      const lower = line.toLowerCase();
      for (const p of ERROR_PATTERNS) {
        if (!lower.includes(p.text.toLowerCase())) continue;
        const reason =
          p.id === 'connection-refused' && refusedByDatabase(line, l.component, dbPort)
            ? 'database-connection-refused'
            : p.id;
        const h = hits.get(reason) ?? {
          pattern: p.text,
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
        if (h.sampleSet.size < 3) h.sampleSet.add(redact(line));
        hits.set(reason, h);
      }
    }
  }
  return new Map(
    [...hits].map(([reason, { sampleSet, ...h }]) => [reason, { ...h, samples: [...sampleSet] }]),
  );
}
