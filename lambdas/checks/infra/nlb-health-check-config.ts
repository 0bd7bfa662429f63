import { defineCheck, type FindingInput } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { GuideSection } from '../../audit/guide.js';
import { shq } from '../../audit/model.js';
import type { InfraSnapshot } from './collector.js';

/** Compliant when a target group health-checks coderd over HTTP(S) on its health path and port. */
export default defineCheck<InfraSnapshot>(
  {
    id: 'nlb-health-check-config',
    group: 'infra',
    severity: 'high',
    title: 'NLB health check targets coderd readiness',
    description:
      'Reports a target group whose health check is not HTTP/HTTPS (TCP cannot see readiness), does not use ' +
      'coderd.healthPath, or does not probe coderd.port (directly or as traffic-port).',
    risk: 'A wrong health check marks ready coderd pods unhealthy (502/503), or keeps broken pods in rotation.',
    guideSection: GuideSection.NlbHealth,
  },
  (snap, { deployment }) => {
    const groups = need(snap.targetGroups);
    const { port, healthPath } = deployment.coderd;
    return [...new Set(deployment.nlb.targetGroupArns)].map((arn): FindingInput => {
      const tg = groups.find((g) => g.TargetGroupArn === arn);
      if (!tg) {
        return {
          status: 'fail',
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
        !http && `the health check uses ${protocol}, which cannot see coderd's readiness`,
        http &&
          tg.HealthCheckPath !== healthPath &&
          `the health check path is ${tg.HealthCheckPath ?? 'unset'}, not ${healthPath}`,
        probed !== port &&
          `the health check probes port ${probed ?? '?'}${probed === tg.Port ? ' (traffic-port)' : ''}, not coderd's port ${port}`,
      ].filter(Boolean);
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
        resource: arn,
        detail: `${tg.TargetGroupName ?? arn}: ${problems.join('; ')}.`,
        evidence,
        remediation: {
          text: `Health-check coderd's ${healthPath} on its port ${port}.`,
          commands: [
            `aws elbv2 modify-target-group --target-group-arn ${shq(arn)}${http ? '' : ' --health-check-protocol HTTP'} --health-check-path ${shq(healthPath)} --health-check-port ${portArg}`,
          ],
        },
      };
    });
  },
);
