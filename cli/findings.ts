import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SEVERITIES, type Severity } from '../lambdas/audit/model.js';
import { FindingsStore } from '../lambdas/store/findings-store.js';
import type { StoredFinding } from '../lambdas/store/types.js';

export interface ListFindingsOptions {
  table: string;
  deployment?: string;
  open?: boolean;
  severity?: Severity;
  /** Only findings seen or resolved at or after this time. */
  since?: Date;
  region?: string;
  endpoint?: string;
}

/** A stored finding with its history worked out: how long it has been open, or took to resolve. */
export interface FindingHistory extends StoredFinding {
  /** Open findings: seconds from when it (re-)opened to `now`. */
  openForSeconds?: number;
  /** Resolved findings: seconds from when it (re-)opened to when it resolved. */
  timeToResolveSeconds?: number;
}

/** True when the finding was seen, or resolved, at or after `since`. */
export function activeSince(f: StoredFinding, since: Date): boolean {
  const t = since.getTime();
  return Date.parse(f.lastSeen) >= t || (f.resolvedAt !== undefined && Date.parse(f.resolvedAt) >= t);
}

/** Add the derived durations of a finding's current episode (open → now, or open → resolved). */
export function withHistory(f: StoredFinding, now: Date): FindingHistory {
  const opened = Date.parse(f.openedAt);
  if (f.status === 'resolved' && f.resolvedAt)
    return {
      ...f,
      timeToResolveSeconds: Math.max(0, Math.round((Date.parse(f.resolvedAt) - opened) / 1000)),
    };
  return { ...f, openForSeconds: Math.max(0, Math.round((now.getTime() - opened) / 1000)) };
}

/** Read findings for `coder-audit findings`: one deployment (Query), or all open ones (the index). */
export async function listFindings(o: ListFindingsOptions): Promise<StoredFinding[]> {
  const client = new DynamoDBClient({
    ...(o.region ? { region: o.region } : {}),
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
  });
  try {
    const store = new FindingsStore({ client: DynamoDBDocumentClient.from(client), tableName: o.table });
    const found = await store.list({
      ...(o.deployment ? { deployment: o.deployment } : {}),
      ...(o.open ? { open: true } : {}),
      ...(o.severity ? { severity: o.severity } : {}),
    });
    return found
      .filter((f) => (!o.open || f.status === 'open') && (!o.severity || f.severity === o.severity))
      .filter((f) => !o.since || activeSince(f, o.since))
      .sort(
        (a, b) =>
          Number(a.status !== 'open') - Number(b.status !== 'open') ||
          SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
          a.firstSeen.localeCompare(b.firstSeen),
      );
  } finally {
    client.destroy();
  }
}

/** `93784` → `1d 2h`, `3720` → `1h 2m`, `59` → `59s`: the two largest units. */
export function formatDuration(seconds: number): string {
  const parts: Array<[number, string]> = [
    [Math.floor(seconds / 86_400), 'd'],
    [Math.floor((seconds % 86_400) / 3600), 'h'],
    [Math.floor((seconds % 3600) / 60), 'm'],
    [seconds % 60, 's'],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  if (first < 0) return '0s';
  return parts
    .slice(first, first + 2)
    .filter(([n]) => n > 0)
    .map(([n, u]) => `${n}${u}`)
    .join(' ');
}

const minute = (iso: string | undefined): string => (iso ? iso.slice(0, 16).replace('T', ' ') : '-');

/** Median of some numbers (undefined when there are none). */
function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : Math.round((s[mid - 1]! + s[mid]!) / 2);
}

/**
 * Plain-text history for the on-call engineer: per finding when it (re-)opened, how many runs saw it, when
 * it resolved and how long that took (or how long it has been open), then a one-line summary. A finding
 * open again after having been resolved shows as `reopened` (its first sighting is in the JSON: firstSeen).
 */
export function renderFindings(findings: readonly FindingHistory[]): string {
  if (findings.length === 0) return 'No findings.\n';
  const rows = findings.map((f) => [
    f.status === 'open' && f.firstSeen !== f.openedAt ? 'reopened' : f.status,
    f.severity,
    f.deployment,
    f.checkId,
    minute(f.openedAt),
    `${f.occurrences}x`,
    minute(f.resolvedAt),
    f.timeToResolveSeconds !== undefined
      ? formatDuration(f.timeToResolveSeconds)
      : f.openForSeconds !== undefined
        ? `open ${formatDuration(f.openForSeconds)}`
        : '-',
    f.resource + (f.result === 'error' ? '  (could not check)' : ''),
  ]);
  const head = [
    'STATUS',
    'SEVERITY',
    'DEPLOYMENT',
    'CHECK',
    'OPENED',
    'SEEN',
    'RESOLVED',
    'TIME TO RESOLVE',
    'RESOURCE',
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const open = findings.filter((f) => f.status === 'open').length;
  const ttr = findings.flatMap((f) => (f.timeToResolveSeconds !== undefined ? [f.timeToResolveSeconds] : []));
  const m = median(ttr);
  const summary =
    `${open} open, ${findings.length - open} resolved` +
    (m !== undefined ? `; median time to resolve ${formatDuration(m)}` : '');
  return [line(head), ...rows.map(line), '', summary].join('\n') + '\n';
}
