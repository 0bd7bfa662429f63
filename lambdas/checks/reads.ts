import type { GroupId } from '../audit/model.js';
import type { AwsRead } from '../audit/reads.js';
import { CLUSTER_READS } from './cluster/reads.js';
import { CODER_READS } from './coder/reads.js';
import { DATABASE_READS } from './database/reads.js';
import { INFRA_READS } from './infra/reads.js';

/** The AWS reads of every check group, each declared next to its collector. */
export const GROUP_READS: Record<GroupId, readonly AwsRead[]> = {
  infra: INFRA_READS,
  cluster: CLUSTER_READS,
  database: DATABASE_READS,
  coder: CODER_READS,
};
