import { defineCheck, type FindingInput } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { shq } from '../../audit/model.js';
import type { InfraSnapshot } from './collector.js';
import { INFRA_META } from './meta.js';

/** Compliant when a target group health-checks coderd over HTTP(S) on its health path and port. */
export default defineCheck<InfraSnapshot>(INFRA_META['nlb-health-check-config'], (snap, { deployment }) => {
  const groups = need(snap.targetGroups);
  const { port, healthPath } = deployment.coderd;
  return [...new Set(deployment.nlb.targetGroupArns)].map((arn): FindingInput => {
    const tg = groups.find((g) => g.TargetGroupArn === arn);
    if (!tg) {
      return {
        status: 'fail',
        reason: 'target-group-missing',
        scope: { targetGroup: arn },
        resource: arn,
        detail: 'The target group does not exist: check nlb.targetGroupArns.',
        evidence: { arn },
        remediation: {
          text: 'List the target groups of the NLB.',
          commands: ['aws elbv2 describe-target-groups'],
        },
      };
    }
    const protocol = tg.HealthCheckProtocol ?? 'TCP';
    const hcPort = tg.HealthCheckPort ?? 'traffic-port';
    const probed = hcPort === 'traffic-port' ? tg.Port : Number(hcPort);
    const http = protocol === 'HTTP' || protocol === 'HTTPS';
    const problems = [
      !http && {
        reason: 'not-http',
        text: `the health check uses ${protocol}, which cannot see coderd's readiness`,
      },
      http &&
        tg.HealthCheckPath !== healthPath && {
          reason: 'wrong-path',
          text: `the health check path is ${tg.HealthCheckPath ?? 'unset'}, not ${healthPath}`,
        },
      probed !== port && {
        reason: 'wrong-port',
        text: `the health check probes port ${probed ?? '?'}${probed === tg.Port ? ' (traffic-port)' : ''}, not coderd's port ${port}`,
      },
    ].filter((p) => p !== false);
    const evidence = { protocol, path: tg.HealthCheckPath, healthCheckPort: hcPort, targetPort: tg.Port };
    if (problems.length === 0) {
      return {
        status: 'pass',
        resource: arn,
        detail: `Health check ${protocol} ${healthPath} on port ${port}.`,
        evidence,
      };
    }
    const portArg = tg.Port === port ? 'traffic-port' : String(port);
    return {
      status: 'fail',
      reason: problems[0]!.reason,
      scope: { targetGroup: arn },
      resource: arn,
      detail: `${tg.TargetGroupName ?? arn}: ${problems.map((p) => p.text).join('; ')}.`,
      evidence,
      remediation: {
        text: `Health-check coderd's ${healthPath} on its port ${port}.`,
        commands: [
          `aws elbv2 modify-target-group --target-group-arn ${shq(arn)}${http ? '' : ' --health-check-protocol HTTP'} --health-check-path ${shq(healthPath)} --health-check-port ${portArg}`,
        ],
      },
    };
  });
});
