import { defineCheck, type FindingInput } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { Component, shq } from '../../audit/model.js';
import type { InfraSnapshot } from './collector.js';
import { INFRA_META } from './meta.js';

/** Compliant when a target group has registered targets and every one of them is healthy. */
export default defineCheck<InfraSnapshot>(INFRA_META['nlb-targets-healthy'], (snap, { deployment }) => {
  const health = need(snap.targetHealth);
  const { coderd: ns } = deployment.namespaces;
  const { deploymentName, port, healthPath } = deployment.coderd;
  return [...new Set(deployment.nlb.targetGroupArns)].map((arn): FindingInput => {
    const targets = health[arn];
    const scope = { targetGroup: arn };
    if (!targets) {
      const detail = 'The target group does not exist: check nlb.targetGroupArns.';
      const remediation = {
        text: 'List the target groups of the NLB.',
        commands: ['aws elbv2 describe-target-groups'],
      };
      const reason = 'target-group-missing';
      return { status: 'fail', reason, scope, resource: arn, detail, evidence: { arn }, remediation };
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
      reason:
        targets.length === 0
          ? 'no-targets'
          : bad.length === targets.length
            ? 'none-healthy'
            : 'some-unhealthy',
      scope,
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
        needs: [Component.Coderd],
        otherwise: {
          text: 'Check the target health reasons; coderd itself is down (see the coderd-ready finding).',
          commands: [
            `aws elbv2 describe-target-health --target-group-arn ${shq(arn)}`,
            `kubectl get pods -n ${shq(ns)} -l app.kubernetes.io/name=coder`,
          ],
        },
      },
    };
  });
});
