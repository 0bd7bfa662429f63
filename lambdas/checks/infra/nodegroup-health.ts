import { defineCheck } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { shq } from '../../audit/model.js';
import type { InfraSnapshot } from './collector.js';
import { INFRA_META } from './meta.js';

const TRANSIENT = ['CREATING', 'UPDATING'];
/**
 * A launch failure for the account's vCPU limit. EKS copies the Auto Scaling activity's status into the
 * `AsgInstanceLaunchFailures` issue: "Could not launch On-Demand Instances. VcpuLimitExceeded - You have
 * requested more vCPU capacity than your current vCPU limit of N allows ...": EC2's error code, or its text.
 */
const VCPU_LIMIT = /\bVcpuLimitExceeded\b|more vCPU capacity than your current vCPU limit/;

/** Compliant when every configured node group exists, is ACTIVE and reports no health issues. */
export default defineCheck<InfraSnapshot>(INFRA_META['nodegroup-health'], (snap, { deployment }) => {
  const cluster = deployment.eks.clusterName;
  return Object.entries(need(snap.nodegroups)).map(([name, ng]) => {
    const resource = ng?.nodegroupArn ?? `${cluster}/${name}`;
    const scope = { nodegroup: name };
    const remediation = {
      text: 'Inspect the node group status and health issues (instance launch failures, IAM, subnets, quotas).',
      commands: [`aws eks describe-nodegroup --cluster-name ${shq(cluster)} --nodegroup-name ${shq(name)}`],
    };
    if (!ng) {
      return {
        status: 'fail',
        reason: 'missing',
        resource,
        detail: `Node group ${name} does not exist in cluster ${cluster}.`,
        evidence: { nodegroup: name },
        scope,
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
    const reason =
      TRANSIENT.includes(status) && issues.length === 0
        ? 'transitioning'
        : issues.some((i) => VCPU_LIMIT.test(i.message ?? ''))
          ? 'vcpu-limit-exceeded'
          : 'degraded';
    return {
      status: 'fail',
      reason,
      scope,
      resource,
      detail: `Node group ${name} is ${status}${issues.length ? ` with health issues: ${listed}` : ''}.`,
      evidence,
      remediation,
    };
  });
});
