import { defineCheck, type FindingInput } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { GuideSection } from '../../audit/guide.js';
import { shq } from '../../audit/model.js';
import type { InfraSnapshot } from './collector.js';

/** Compliant when a target group has registered targets and every one of them is healthy. */
export default defineCheck<InfraSnapshot>(
  {
    id: 'nlb-targets-healthy',
    group: 'infra',
    severity: 'critical',
    title: 'NLB targets are healthy',
    description:
      'Reports a target group with no registered target or with targets that are not healthy (critical when ' +
      'none is healthy, high when some are).',
    risk: 'Unhealthy targets take coderd out of the NLB: the Coder URL answers 502/503 or times out.',
    guideSection: GuideSection.NlbHealth,
  },
  (snap, { deployment }) => {
    const health = need(snap.targetHealth);
    const { coderd: ns } = deployment.namespaces;
    const { deploymentName, port, healthPath } = deployment.coderd;
    return [...new Set(deployment.nlb.targetGroupArns)].map((arn): FindingInput => {
      const targets = health[arn];
      if (!targets) {
        const detail = 'The target group does not exist: check nlb.targetGroupArns.';
        return { status: 'fail', resource: arn, detail, evidence: { arn } };
      }
      const byState: Record<string, number> = {};
      for (const t of targets) {
        const state = t.TargetHealth?.State ?? 'unknown';
        byState[state] = (byState[state] ?? 0) + 1;
      }
      const bad = targets.filter((t) => t.TargetHealth?.State !== 'healthy');
      if (targets.length > 0 && bad.length === 0) {
        return {
          status: 'pass',
          resource: arn,
          detail: `All ${targets.length} targets are healthy.`,
          evidence: { byState },
        };
      }
      const unhealthy = bad.slice(0, 10).map((t) => ({
        target: `${t.Target?.Id}:${t.Target?.Port ?? ''}`,
        state: t.TargetHealth?.State,
        reason: t.TargetHealth?.Reason,
        description: t.TargetHealth?.Description,
      }));
      const listed = unhealthy
        .map((u) => `${u.target} ${u.state} (${u.reason ?? 'no reason'}: ${u.description ?? ''})`)
        .join('; ');
      return {
        status: 'fail',
        severity: bad.length === targets.length ? 'critical' : 'high',
        resource: arn,
        detail:
          targets.length === 0
            ? 'The target group has no registered targets: coderd is not behind the NLB.'
            : `${bad.length} of ${targets.length} targets are not healthy: ${listed}.`,
        evidence: { byState, ...(unhealthy.length ? { unhealthy } : {}) },
        remediation: {
          text: 'Check the target health reasons, then whether coderd pods are ready and answer their health endpoint.',
          commands: [
            `aws elbv2 describe-target-health --target-group-arn ${shq(arn)}`,
            `kubectl get pods -n ${shq(ns)} -l app.kubernetes.io/name=coder`,
            `kubectl exec -it deploy/${shq(deploymentName)} -n ${shq(ns)} -- curl localhost:${port}${shq(healthPath)}`,
          ],
        },
      };
    });
  },
);
