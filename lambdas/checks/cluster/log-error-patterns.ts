import { defineCheck, type FindingInput } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { GuideSection } from '../../audit/guide.js';
import { shq } from '../../audit/model.js';
import type { ClusterSnapshot } from './collector.js';
import { LOG_LIMIT_BYTES } from '../../clients/kube.js';
import { LOG_TAIL_LINES } from './limits.js';
import { ERROR_PATTERNS, countPattern } from './log-patterns.js';

/** Compliant when no coderd or provisioner log line of the window matches a runbook error pattern. */
export default defineCheck<ClusterSnapshot>(
  {
    id: 'log-error-patterns',
    group: 'cluster',
    severity: 'medium',
    title: 'No runbook error patterns in coderd and provisioner logs',
    description:
      'Counts the runbook error patterns (connection refused, database timeout, terraform plan failed, AWS API ' +
      'rate limit, OIDC callback failed, token expired) in the coderd and provisioner logs of the window.',
    risk: 'These errors precede outages: database loss, failed builds, throttled provisioning, failed logins.',
    guideSection: GuideSection.LogPatterns,
  },
  (snap, { deployment: d }) => {
    const logs = need(snap.logs);
    const window = d.thresholds.logWindowMinutes;
    const read = logs.filter((l) => l.text !== undefined);
    // Pods whose window held more than LOG_TAIL_LINES lines: only the most recent lines were scanned.
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
    for (const p of ERROR_PATTERNS) {
      const hits = countPattern(read, p.match);
      if (hits.count === 0) continue;
      results.push({
        status: 'fail',
        severity: p.severity,
        resource: `k8s:logs/${p.id}`,
        key: p.id,
        detail: `"${p.text}" appears ${hits.count} time(s) in the last ${window} min of ${Object.keys(hits.byPod).join(', ')}${partial}.`,
        evidence: {
          pattern: p.text,
          matched: p.grep,
          count: hits.count,
          byPod: hits.byPod,
          samples: hits.samples,
          ...truncated,
        },
        remediation: {
          text: `Read the surrounding log lines and follow the runbook section for "${p.text}".`,
          commands: hits.namespaces.map((ns) => {
            const app = ns === d.namespaces.provisioner ? 'coder-provisioner' : 'coder';
            return `kubectl logs -n ${shq(ns)} -l app.kubernetes.io/name=${app} --since=${window}m --tail=-1 --prefix | grep -iE ${shq(p.grep)}`;
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
  },
);
