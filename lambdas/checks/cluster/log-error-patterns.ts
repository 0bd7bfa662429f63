import { defineCheck, type FindingInput } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { shq } from '../../audit/model.js';
import { LOG_LIMIT_BYTES } from '../../clients/kube.js';
import type { ClusterSnapshot } from './collector.js';
import { LOG_TAIL_LINES } from './limits.js';
import { scanLogs } from './log-patterns.js';
import { CLUSTER_META } from './meta.js';

/** Compliant when no coderd or provisioner log line of the window matches a runbook error pattern. */
export default defineCheck<ClusterSnapshot>(CLUSTER_META['log-error-patterns'], (snap, { deployment: d }) => {
  const logs = need(snap.logs);
  const window = d.thresholds.logWindowMinutes;
  const read = logs.filter((l) => l.text !== undefined);
  // Pods whose window held more than LOG_TAIL_LINES lines (or LOG_LIMIT_BYTES): only the newest were scanned.
  const cut = read.filter((l) => l.truncated).map((l) => l.pod);
  const truncated = cut.length ? { truncated: true, truncatedPods: cut } : {};
  const partial = cut.length
    ? ` (${cut.join(', ')} read in part: at most the last ${LOG_TAIL_LINES} lines, ${LOG_LIMIT_BYTES / 2 ** 20} MiB)`
    : '';
  const results: FindingInput[] = logs
    .filter((l) => l.error)
    .map((l) => ({
      status: 'error',
      resource: `k8s:${l.namespace}/pod/${l.pod}`,
      key: 'log',
      detail: `Could not read the log of ${l.pod}: ${l.error}`,
    }));
  const dbPort = d.database?.port ?? 5432;
  for (const [reason, hits] of scanLogs(read, dbPort)) {
    results.push({
      status: 'fail',
      reason,
      scope: { component: hits.components, namespace: hits.namespaces },
      resource: `k8s:logs/${reason}`,
      key: reason,
      detail: `"${hits.pattern}" appears ${hits.count} time(s) in the last ${window} min of ${Object.keys(hits.byPod).join(', ')}${partial}.`,
      evidence: {
        pattern: hits.pattern,
        matched: hits.grep,
        count: hits.count,
        byPod: hits.byPod,
        samples: hits.samples,
        ...truncated,
      },
      remediation: {
        text: `Read the surrounding log lines and follow the runbook section for "${hits.pattern}".`,
        commands: hits.namespaces.map((ns) => {
          const app = ns === d.namespaces.provisioner ? 'coder-provisioner' : 'coder';
          return `kubectl logs -n ${shq(ns)} -l app.kubernetes.io/name=${app} --since=${window}m --tail=-1 --prefix | grep -iE ${shq(hits.grep)}`;
        }),
      },
    });
  }
  if (read.length > 0 && !results.some((r) => r.status === 'fail')) {
    results.push({
      status: 'pass',
      resource: 'k8s:logs',
      detail: `No runbook error pattern in the last ${window} min of ${read.length} pod log(s)${partial}.`,
      evidence: {
        pods: read.map((l) => l.pod),
        skipped: logs.filter((l) => l.skipped).map((l) => l.pod),
        ...truncated,
      },
    });
  }
  return results;
});
