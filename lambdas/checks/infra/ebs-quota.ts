import { defineCheck } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { shq } from '../../audit/model.js';
import type { InfraSnapshot } from './collector.js';
import { INFRA_META } from './meta.js';

/** Compliant when the region's volumes of the workspace volume type use less than the warning share of its quota. */
export default defineCheck<InfraSnapshot>(INFRA_META['ebs-quota'], (snap, { deployment: d }) => {
  const { volumeType, quota, usedGiB, volumes, truncated } = need(snap.ebs);
  const limitGiB = (quota.Value ?? 0) * 1024;
  const pct = limitGiB > 0 ? Math.round((usedGiB / limitGiB) * 1000) / 10 : 100;
  const warn = d.thresholds.ebsQuotaWarnPercent;
  const resource = quota.QuotaArn ?? `ebs/${quota.QuotaCode}`;
  const lower = truncated ? ' at least' : '';
  const evidence = {
    volumeType,
    quotaCode: quota.QuotaCode,
    quotaTiB: quota.Value,
    usedGiB,
    volumes,
    percent: pct,
    truncated,
  };
  const detail = `${volumes} ${volumeType} volumes use${lower} ${(usedGiB / 1024).toFixed(1)} TiB of the ${quota.Value} TiB quota (${pct}%).`;
  if (pct < warn) return [{ status: 'pass', resource, detail, evidence }];
  return [
    {
      status: 'fail',
      reason: pct >= 100 ? 'exceeded' : 'near-limit',
      resource,
      detail,
      evidence,
      remediation: {
        text: `Request a higher ${volumeType} storage quota (or delete unused volumes and old snapshots' volumes).`,
        commands: [
          `aws service-quotas request-service-quota-increase --service-code ebs --quota-code ${shq(quota.QuotaCode ?? '')} --desired-value ${Math.ceil(((usedGiB / 1024) * 100) / warn / 10) * 10}`,
          `aws ec2 describe-volumes --filters Name=volume-type,Values=${shq(volumeType)} Name=status,Values=available --query 'Volumes[].[VolumeId,Size,CreateTime]'`,
        ],
      },
    },
  ];
});
