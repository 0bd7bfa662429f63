import { defineGroup } from '../../audit/group.js';

/** Placeholder until the database group lands. */
export const databaseGroup = defineGroup<Record<string, never>>({
  id: 'database',
  skipReason: () => 'not implemented yet',
  collect: async () => ({}),
  checks: [],
});
