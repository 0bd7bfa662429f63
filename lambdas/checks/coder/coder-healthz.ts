import { defineCheck, type FindingInput } from '../../audit/check.js';
import type { DeploymentConfig } from '../../audit/config.js';
import { need } from '../../audit/fact.js';
import { Component, shq } from '../../audit/model.js';
import { insecureTransport, withFindings } from '../tls.js';
import type { CoderSnapshot } from './collector.js';
import { accessUrl, kubectlHealthz } from './lib.js';
import { CODER_META } from './meta.js';

/**
 * Compliant when `<access URL>/healthz` answers 200 `OK` through the load balancer, within the latency
 * threshold; a configuration that turns TLS verification off (coder.insecureTls) is reported on every audit.
 */
export default defineCheck<CoderSnapshot>(CODER_META['coder-healthz'], (snap, { deployment }) =>
  withFindings(insecureTransport(deployment, 'coder'), deployment, () => healthz(snap, deployment)),
);

/** The check proper: what the probe answered. */
function healthz(snap: CoderSnapshot, deployment: DeploymentConfig): FindingInput[] {
  const probe = need(snap.healthz);
  const url = `${accessUrl(deployment)}/healthz`;
  const warnMs = deployment.thresholds.healthzLatencyWarnMs;
  const targets = deployment.nlb.targetGroupArns.map(
    (arn) => `aws elbv2 describe-target-health --target-group-arn ${shq(arn)}`,
  );
  const remediation = {
    text:
      'Check coderd from inside the cluster, then the health of the NLB targets (health check path ' +
      `${deployment.coderd.healthPath} on port ${deployment.coderd.port}).`,
    commands: [kubectlHealthz(deployment), ...targets],
    needs: [Component.Coderd],
    otherwise: {
      text: 'coderd itself is down (see the coderd-ready finding); check the health of the NLB targets.',
      commands: targets,
    },
  };
  if (!probe.reachable) {
    return [
      {
        status: 'fail',
        reason: 'unreachable',
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
        reason: 'bad-status',
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
        reason: 'slow',
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
