import { defineGroup } from '../../audit/group.js';

/** Placeholder until the cluster group lands. */
export const clusterGroup = defineGroup<Record<string, never>>({
  id: 'cluster',
  skipReason: () => 'not implemented yet',
  collect: async () => ({}),
  checks: [],
});
