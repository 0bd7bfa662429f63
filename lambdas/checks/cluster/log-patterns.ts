import type { Severity } from '../../audit/model.js';
import type { PodLog } from './collector.js';
import { redactLine } from '../../audit/redact.js';

/**
 * The runbook's "Common Log Patterns" error patterns; database patterns are high, the others medium. The
 * remediation greps the pattern itself (case-insensitive), so it finds exactly the lines that were counted.
 */
export const ERROR_PATTERNS: readonly { id: string; text: string; severity: Severity }[] = [
  { id: 'connection-refused', text: 'connection refused', severity: 'high' },
  { id: 'database-timeout', text: 'database timeout', severity: 'high' },
  { id: 'terraform-plan-failed', text: 'terraform plan failed', severity: 'medium' },
  { id: 'aws-api-rate-limit', text: 'AWS API rate limit', severity: 'medium' },
  { id: 'oidc-callback-failed', text: 'OIDC callback failed', severity: 'medium' },
  { id: 'token-expired', text: 'token expired', severity: 'medium' },
];

/** Occurrences of one pattern: per pod, the namespaces, and up to 3 distinct redacted sample lines. */
export interface PatternHits {
  count: number;
  byPod: Record<string, number>;
  namespaces: string[];
  samples: string[];
}

/** Count a pattern (case-insensitive substring) over the logs read. */
export function countPattern(logs: readonly PodLog[], text: string): PatternHits {
  const needle = text.toLowerCase();
  const byPod: Record<string, number> = {};
  const samples = new Set<string>();
  const namespaces = new Set<string>();
  let count = 0;
  for (const l of logs) {
    for (const line of (l.text ?? '').split('\n')) {
      if (!line.toLowerCase().includes(needle)) continue;
      count += 1;
      byPod[l.pod] = (byPod[l.pod] ?? 0) + 1;
      namespaces.add(l.namespace);
      if (samples.size < 3) samples.add(redactLine(line));
    }
  }
  return { count, byPod, namespaces: [...namespaces], samples: [...samples] };
}
