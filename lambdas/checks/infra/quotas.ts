import { shq, type QuotaPlan, type Remediation } from '../../audit/model.js';

/** The Service Quotas quota "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances" (vCPUs). */
export const VCPU_QUOTA = { ServiceCode: 'ec2', QuotaCode: 'L-1216C47A' } as const;

/** vCPUs the counted node groups need at the maximum sizes of `plan` (or `maxSizes` when given). */
export function vcpusNeeded(plan: QuotaPlan, maxSizes: Record<string, number> = plan.maxSizes): number {
  return Object.entries(plan.vcpusPerNode).reduce(
    (sum, [ng, vcpus]) => sum + (maxSizes[ng] ?? plan.maxSizes[ng] ?? 0) * vcpus,
    0,
  );
}

/**
 * The quota request that keeps the node groups at their maximum sizes under the warn share of the quota:
 * what ec2-vcpu-quota prints, and what the diagnosis prints again after it raised a node group's maximum.
 */
export function quotaRemediation(
  plan: QuotaPlan,
  maxSizes: Record<string, number> = plan.maxSizes,
): Remediation {
  const desired = Math.ceil((vcpusNeeded(plan, maxSizes) * 100) / plan.warnPercent);
  return {
    text: `Request a quota of at least ${desired} vCPUs (or lower the node groups' maximum sizes).`,
    commands: [
      `aws service-quotas request-service-quota-increase --service-code ${VCPU_QUOTA.ServiceCode} --quota-code ${VCPU_QUOTA.QuotaCode} --desired-value ${shq(desired)}`,
    ],
    quota: { ...plan, maxSizes: { ...plan.maxSizes, ...maxSizes } },
  };
}
