import type { Nodegroup } from '@aws-sdk/client-eks';
import { defineCheck } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { GuideSection } from '../../audit/guide.js';
import { shq } from '../../audit/model.js';
import type { InfraSnapshot } from './collector.js';
import { VCPU_QUOTA } from './quotas.js';

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
      'thresholds.vcpuQuotaWarnPercent is medium. Other workloads of the account share the quota; node groups ' +
      'whose instance types come from a launch template are not counted.',
    risk: 'Past the quota, scale-ups fail with VcpuLimitExceeded: workspaces stay Pending during peaks and scale tests.',
    guideSection: GuideSection.ScaleTesting,
  },
  (snap, { deployment }) => {
    const quota = need(snap.vcpuQuota);
    const vcpus = new Map(
      need(snap.instanceTypes).map((t) => [String(t.InstanceType), t.VCpuInfo?.DefaultVCpus ?? 0]),
    );
    const perGroup: Record<string, number> = {};
    const notCounted: Record<string, string> = {};
    const onDemand = Object.entries(need(snap.nodegroups)).filter(
      (e): e is [string, Nodegroup] => !!e[1] && (e[1].capacityType ?? 'ON_DEMAND') === 'ON_DEMAND',
    );
    for (const [name, ng] of onDemand) {
      if (!ng.instanceTypes?.length) {
        const lt = ng.launchTemplate?.id ?? ng.launchTemplate?.name;
        notCounted[name] =
          `${lt ? `instance types from launch template ${lt}` : 'no instance types'}, not counted`;
        continue;
      }
      const types = ng.instanceTypes.filter(standard);
      const unknown = types.filter((t) => !vcpus.has(t));
      if (unknown.length) throw new Error(`vCPUs of instance types ${unknown.join(', ')} are unknown`);
      if (types.length)
        perGroup[name] = (ng.scalingConfig?.maxSize ?? 0) * Math.max(...types.map((t) => vcpus.get(t) ?? 0));
    }
    const skipped = Object.entries(notCounted).map(([name, why]) => `${name}: ${why}`);
    if (onDemand.length > 0 && skipped.length === onDemand.length)
      throw new Error(`no On-Demand node group lists its instance types (${skipped.join('; ')})`);
    const needed = Object.values(perGroup).reduce((a, b) => a + b, 0);
    const limit = quota.Value ?? 0;
    const warnPercent = deployment.thresholds.vcpuQuotaWarnPercent;
    const resource =
      quota.QuotaArn ?? `${deployment.aws.region}/${VCPU_QUOTA.ServiceCode}/${VCPU_QUOTA.QuotaCode}`;
    const percent = limit > 0 ? Math.round((needed / limit) * 100) : 100;
    const counted = { quota: limit, neededAtMax: needed, percent, perGroup };
    const evidence = skipped.length ? { ...counted, notCounted } : counted;
    const note = skipped.length ? ` Not counted: ${skipped.join('; ')}.` : '';
    if (needed === 0 || needed < limit * (warnPercent / 100)) {
      const detail = `Node groups need at most ${needed} of ${limit} vCPUs (${percent}%).${note}`;
      return [{ status: 'pass', resource, detail, evidence }];
    }
    const desired = Math.ceil((needed * 100) / warnPercent);
    const remediation = {
      text: `Request a quota of at least ${desired} vCPUs (or lower the node groups' maximum sizes).`,
      commands: [
        `aws service-quotas request-service-quota-increase --service-code ${VCPU_QUOTA.ServiceCode} --quota-code ${VCPU_QUOTA.QuotaCode} --desired-value ${shq(desired)}`,
      ],
    };
    const severity = needed >= limit ? 'high' : 'medium';
    const detail = `Node groups at maximum size need ${needed} vCPUs, ${percent}% of the ${limit} vCPU On-Demand Standard quota.${note}`;
    return [{ status: 'fail', severity, resource, detail, evidence, remediation }];
  },
);
