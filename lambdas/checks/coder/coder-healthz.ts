import { defineCheck, type FindingInput } from '../../audit/check.js';
import type { DeploymentConfig } from '../../audit/config.js';
import { need } from '../../audit/fact.js';
import { GuideSection } from '../../audit/guide.js';
import { insecureTransport, withFindings } from '../tls.js';
import { shq } from '../../audit/model.js';
import type { CoderSnapshot } from './collector.js';
import { accessUrl, kubectlHealthz } from './lib.js';

/** Compliant when `<access URL>/healthz` answers 200 `OK` through the load balancer, within the latency threshold. */
export default defineCheck<CoderSnapshot>(
  {
    id: 'coder-healthz',
    group: 'coder',
    severity: 'critical',
    title: 'Coder answers /healthz through its access URL',
    description:
      "Requests /healthz through the public access URL (DNS, NLB, target group, coderd) and expects 200 'OK'; " +
      'a slow answer is reported at medium severity.',
    risk: 'Users get 502/503 or time-outs: nobody can reach the dashboard, the API or their workspaces.',
    guideSection: GuideSection.NlbHealth,
  },
  (snap, { deployment }) =>
    withFindings(insecureTransport(deployment, 'coder'), deployment, () => healthz(snap, deployment)),
);

/** The check proper: what the probe answered. */
function healthz(snap: CoderSnapshot, deployment: DeploymentConfig): FindingInput[] {
  const probe = need(snap.healthz);
  const url = `${accessUrl(deployment)}/healthz`;
  const warnMs = deployment.thresholds.healthzLatencyWarnMs;
  const remediation = {
    text:
      'Check coderd from inside the cluster, then the health of the NLB targets (health check path ' +
      `${deployment.coderd.healthPath} on port ${deployment.coderd.port}).`,
    commands: [
      kubectlHealthz(deployment),
      ...deployment.nlb.targetGroupArns.map(
        (arn) => `aws elbv2 describe-target-health --target-group-arn ${shq(arn)}`,
      ),
    ],
  };
  if (!probe.reachable) {
    return [
      {
        status: 'fail',
        resource: url,
        detail: `No answer from ${url}: ${probe.error}.`,
        evidence: { url, error: probe.error },
        remediation,
      },
    ];
  }
  const { status, body, ms } = probe.value;
  const evidence = { url, status, body: body.slice(0, 80), ms };
  if (status !== 200 || body.trim() !== 'OK') {
    return [
      {
        status: 'fail',
        resource: url,
        detail: `${url} answered HTTP ${status} '${evidence.body}', not 200 'OK'.`,
        evidence,
        remediation,
      },
    ];
  }
  if (ms > warnMs) {
    return [
      {
        status: 'fail',
        severity: 'medium',
        resource: url,
        title: 'Coder /healthz is slow',
        detail: `${url} answered OK in ${ms} ms, slower than ${warnMs} ms.`,
        evidence: { ...evidence, thresholdMs: warnMs },
        remediation,
      },
    ];
  }
  return [{ status: 'pass', resource: url, detail: `${url} answered 200 OK in ${ms} ms.`, evidence }];
}
