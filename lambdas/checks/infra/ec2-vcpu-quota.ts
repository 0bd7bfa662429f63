import { defineCheck } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { GuideSection } from '../../audit/guide.js';
import { shq } from '../../audit/model.js';
import { VCPU_QUOTA, type InfraSnapshot } from './collector.js';

/** Families counted by the On-Demand Standard quota (A, C, D, H, I, M, R, T, Z); Inf, DL, Trn, HPC, Mac are not. */
const standard = (type: string) => /^[acdhimrtz]/.test(type) && !/^(inf|dl|trn|hpc|mac)/.test(type);

/** Compliant when the node groups at maximum size fit under the warn share of the On-Demand Standard vCPU quota. */
export default defineCheck<InfraSnapshot>(
  {
    id: 'ec2-vcpu-quota',
    group: 'infra',
    severity: 'high',
    title: 'vCPU quota covers node group maximums',
    description:
      'Sums maxSize x vCPUs (largest instance type) over the On-Demand node groups of standard families and ' +
      'compares it with the Running On-Demand Standard vCPU quota: at or above it is high, at or above ' +
      'thresholds.vcpuQuotaWarnPercent is medium. Other workloads of the account share the quota.',
    risk: 'Past the quota, scale-ups fail with VcpuLimitExceeded: workspaces stay Pending during peaks and scale tests.',
    guideSection: GuideSection.ScaleTesting,
  },
  (snap, { deployment }) => {
    const quota = need(snap.vcpuQuota);
    const vcpus = new Map(
      need(snap.instanceTypes).map((t) => [String(t.InstanceType), t.VCpuInfo?.DefaultVCpus ?? 0]),
    );
    const perGroup: Record<string, number> = {};
    for (const [name, ng] of Object.entries(need(snap.nodegroups))) {
      if (!ng || (ng.capacityType ?? 'ON_DEMAND') !== 'ON_DEMAND') continue;
      if (!ng.instanceTypes?.length)
        throw new Error(`node group ${name} lists no instance types (launch template?)`);
      const types = ng.instanceTypes.filter(standard);
      const unknown = types.filter((t) => !vcpus.has(t));
      if (unknown.length) throw new Error(`vCPUs of instance types ${unknown.join(', ')} are unknown`);
      if (types.length)
        perGroup[name] = (ng.scalingConfig?.maxSize ?? 0) * Math.max(...types.map((t) => vcpus.get(t) ?? 0));
    }
    const needed = Object.values(perGroup).reduce((a, b) => a + b, 0);
    const limit = quota.Value ?? 0;
    const warnPercent = deployment.thresholds.vcpuQuotaWarnPercent;
    const resource =
      quota.QuotaArn ?? `${deployment.aws.region}/${VCPU_QUOTA.ServiceCode}/${VCPU_QUOTA.QuotaCode}`;
    const percent = limit > 0 ? Math.round((needed / limit) * 100) : 100;
    const evidence = { quota: limit, neededAtMax: needed, percent, perGroup };
    if (needed === 0 || needed < limit * (warnPercent / 100)) {
      return [
        {
          status: 'pass',
          resource,
          detail: `Node groups need at most ${needed} of ${limit} vCPUs (${percent}%).`,
          evidence,
        },
      ];
    }
    const desired = Math.ceil((needed * 100) / warnPercent);
    return [
      {
        status: 'fail',
        severity: needed >= limit ? 'high' : 'medium',
        resource,
        detail: `Node groups at maximum size need ${needed} vCPUs, ${percent}% of the ${limit} vCPU On-Demand Standard quota.`,
        evidence,
        remediation: {
          text: `Request a quota of at least ${desired} vCPUs (or lower the node groups' maximum sizes).`,
          commands: [
            `aws service-quotas request-service-quota-increase --service-code ${VCPU_QUOTA.ServiceCode} --quota-code ${VCPU_QUOTA.QuotaCode} --desired-value ${shq(desired)}`,
          ],
        },
      },
    ];
  },
);
