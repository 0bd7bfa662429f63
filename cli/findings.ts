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
  region?: string;
  endpoint?: string;
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

/** Plain-text listing for the on-call engineer. */
export function renderFindings(findings: readonly StoredFinding[]): string {
  if (findings.length === 0) return 'No findings.\n';
  const lines = findings.map(
    (f) =>
      `${f.status.padEnd(8)} ${f.severity.padEnd(8)} ${f.deployment.padEnd(12)} ${f.checkId.padEnd(26)} ` +
      `since ${f.firstSeen.slice(0, 16).replace('T', ' ')}  seen ${String(f.occurrences).padStart(3)}x  ${f.resource}` +
      (f.result === 'error' ? '  (could not check)' : ''),
  );
  return ['STATUS   SEVERITY DEPLOYMENT   CHECK', ...lines].join('\n') + '\n';
}
