import { defineCheck } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { shq } from '../../audit/model.js';
import type { CoderSnapshot } from './collector.js';
import { coderRef } from './lib.js';
import { CODER_META } from './meta.js';

/** Fewer calls than this say nothing about a percentile. */
const MIN_SAMPLES = 5;

/** Nearest-rank percentile of sorted values. */
const percentile = (sorted: number[], p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;

/** Compliant when the p95 of the auditor's own Coder API calls is at or under thresholds.apiLatencyWarnMs. */
export default defineCheck<CoderSnapshot>(CODER_META['coder-api-latency'], (snap, { deployment: d }) => {
  const { samples, failed } = need(snap.apiLatency);
  const resource = coderRef(d, 'api', 'latency');
  const warn = d.thresholds.apiLatencyWarnMs;
  if (samples.length < MIN_SAMPLES) {
    const detail = `Only ${samples.length} Coder API calls answered in this audit (${failed} failed): too few to judge latency.`;
    return [{ status: 'pass', resource, detail, evidence: { calls: samples.length, failed } }];
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const [p50, p95, max] = [percentile(sorted, 0.5), percentile(sorted, 0.95), sorted.at(-1)!];
  const evidence = { calls: samples.length, failed, p50Ms: p50, p95Ms: p95, maxMs: max, thresholdMs: warn };
  const summary = `${samples.length} Coder API calls of this audit: p50 ${p50} ms, p95 ${p95} ms, max ${max} ms`;
  if (p95 <= warn) return [{ status: 'pass', resource, detail: `${summary}.`, evidence }];
  const ns = shq(d.namespaces.coderd);
  return [
    {
      status: 'fail',
      reason: p50 > warn ? 'slow' : 'slow-tail',
      resource,
      detail: `${summary}: above ${warn} ms.`,
      evidence,
      scope: { component: 'coderd', namespace: d.namespaces.coderd },
      remediation: {
        text: 'The runbook\'s "High API Latency": check the coderd pods\' resources, the database connection pool and the NLB targets.',
        commands: [
          `kubectl top pods -n ${ns} -l app.kubernetes.io/name=coder`,
          `kubectl describe deployment ${shq(d.coderd.deploymentName)} -n ${ns} | grep -A 6 -E 'Limits|Requests'`,
          ...d.nlb.targetGroupArns.map(
            (a) => `aws elbv2 describe-target-health --target-group-arn ${shq(a)}`,
          ),
        ],
      },
    },
  ];
});
