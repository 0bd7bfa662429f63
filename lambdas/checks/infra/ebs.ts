import { paginateDescribeVolumes } from '@aws-sdk/client-ec2';
import { GetServiceQuotaCommand, type ServiceQuota } from '@aws-sdk/client-service-quotas';
import { EBS_STORAGE_QUOTA } from './reads.js';
import type { CollectContext } from '../../audit/group.js';

/** DescribeVolumes pages read at most (500 volumes a page). */
export const MAX_VOLUME_PAGES = 40;

/** The storage quota of `eks.volumeType` and what the region's volumes of that type add up to. */
export interface EbsUsage {
  volumeType: string;
  quota: ServiceQuota;
  usedGiB: number;
  volumes: number;
  /** More volumes than MAX_VOLUME_PAGES pages: usedGiB is a lower bound. */
  truncated: boolean;
}

/** GetServiceQuota and DescribeVolumes (filtered on the type, 500 a page) in parallel. */
export async function readEbs(ctx: CollectContext): Promise<EbsUsage> {
  const volumeType = ctx.deployment.eks.volumeType;
  const QuotaCode = EBS_STORAGE_QUOTA[volumeType]!;
  const opts = { abortSignal: ctx.signal };
  const sizes = (async () => {
    const out: number[] = [];
    let pages = 0;
    const input = { Filters: [{ Name: 'volume-type', Values: [volumeType] }], MaxResults: 500 };
    for await (const page of paginateDescribeVolumes({ client: ctx.aws.ec2 }, input, opts)) {
      out.push(...(page.Volumes ?? []).map((v) => v.Size ?? 0));
      if (++pages >= MAX_VOLUME_PAGES && page.NextToken) return { out, truncated: true };
    }
    return { out, truncated: false };
  })();
  const [quota, { out, truncated }] = await Promise.all([
    ctx.aws.quotas
      .send(new GetServiceQuotaCommand({ ServiceCode: 'ebs', QuotaCode }), opts)
      .then((o) => o.Quota!),
    sizes,
  ]);
  return { volumeType, quota, usedGiB: out.reduce((a, b) => a + b, 0), volumes: out.length, truncated };
}
