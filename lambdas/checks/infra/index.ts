import { defineGroup } from '../../audit/group.js';

/** Placeholder until the infra group lands. */
export const infraGroup = defineGroup<Record<string, never>>({
  id: 'infra',
  skipReason: () => 'not implemented yet',
  collect: async () => ({}),
  checks: [],
});
