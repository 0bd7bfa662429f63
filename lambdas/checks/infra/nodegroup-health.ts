import { defineCheck } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { GuideSection } from '../../audit/guide.js';
import { shq } from '../../audit/model.js';
import type { InfraSnapshot } from './collector.js';

const TRANSIENT = ['CREATING', 'UPDATING'];

/** Compliant when every configured node group exists, is ACTIVE and reports no health issues. */
export default defineCheck<InfraSnapshot>(
  {
    id: 'nodegroup-health',
    group: 'infra',
    severity: 'high',
    title: 'Node group is healthy',
    description:
      'Reports a configured node group that is missing, not ACTIVE, or reports health issues ' +
      '(CREATING/UPDATING without issues is reported at medium severity).',
    risk: 'A degraded node group cannot add nodes: workspace and coderd pods stay Pending.',
    guideSection: GuideSection.PodsPending,
  },
  (snap, { deployment }) => {
    const cluster = deployment.eks.clusterName;
    return Object.entries(need(snap.nodegroups)).map(([name, ng]) => {
      const resource = ng?.nodegroupArn ?? `${cluster}/${name}`;
      const remediation = {
        text: 'Inspect the node group status and health issues (instance launch failures, IAM, subnets, quotas).',
        commands: [`aws eks describe-nodegroup --cluster-name ${shq(cluster)} --nodegroup-name ${shq(name)}`],
      };
      if (!ng) {
        return {
          status: 'fail',
          resource,
          detail: `Node group ${name} does not exist in cluster ${cluster}.`,
          evidence: { nodegroup: name },
          remediation,
        };
      }
      const status = ng.status ?? 'UNKNOWN';
      const issues = (ng.health?.issues ?? []).map((i) => ({ code: i.code, message: i.message }));
      const evidence = { nodegroup: name, status, ...(issues.length ? { issues: issues.slice(0, 5) } : {}) };
      if (status === 'ACTIVE' && issues.length === 0) {
        return {
          status: 'pass',
          resource,
          detail: `Node group ${name} is ACTIVE with no health issues.`,
          evidence,
        };
      }
      const listed = issues.map((i) => `${i.code}: ${i.message}`).join('; ');
      return {
        status: 'fail',
        severity: TRANSIENT.includes(status) && issues.length === 0 ? 'medium' : 'high',
        resource,
        detail: `Node group ${name} is ${status}${issues.length ? ` with health issues: ${listed}` : ''}.`,
        evidence,
        remediation,
      };
    });
  },
);
