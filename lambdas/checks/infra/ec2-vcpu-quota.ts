import type { Nodegroup } from '@aws-sdk/client-eks';
import { defineCheck } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import type { InfraSnapshot } from './collector.js';
import { VCPU_QUOTA, quotaRemediation } from './quotas.js';
import { INFRA_META } from './meta.js';

/** Families counted by the On-Demand Standard quota (A, C, D, H, I, M, R, T, Z); Inf, DL, Trn, HPC, Mac are not. */
const standard = (type: string) => /^[acdhimrtz]/.test(type) && !/^(inf|dl|trn|hpc|mac)/.test(type);

/** Compliant when the node groups at maximum size fit under the warn share of the On-Demand Standard vCPU quota. */
export default defineCheck<InfraSnapshot>(INFRA_META['ec2-vcpu-quota'], (snap, { deployment }) => {
  const quota = need(snap.vcpuQuota);
  const vcpus = new Map(
    need(snap.instanceTypes).map((t) => [String(t.InstanceType), t.VCpuInfo?.DefaultVCpus ?? 0]),
  );
  const perGroup: Record<string, number> = {};
  const vcpusPerNode: Record<string, number> = {};
  const maxSizes: Record<string, number> = {};
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
    if (types.length) {
      vcpusPerNode[name] = Math.max(...types.map((t) => vcpus.get(t) ?? 0));
      maxSizes[name] = ng.scalingConfig?.maxSize ?? 0;
      perGroup[name] = maxSizes[name] * vcpusPerNode[name];
    }
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
  const remediation = quotaRemediation({ vcpusPerNode, maxSizes, limit, warnPercent });
  const reason = needed >= limit ? 'exceeded' : 'near-limit';
  const detail = `Node groups at maximum size need ${needed} vCPUs, ${percent}% of the ${limit} vCPU On-Demand Standard quota.${note}`;
  return [{ status: 'fail', reason, resource, detail, evidence, remediation }];
});
