import { defineGroup } from '../../audit/group.js';

/** Placeholder until the coder group lands. */
export const coderGroup = defineGroup<Record<string, never>>({
  id: 'coder',
  skipReason: () => 'not implemented yet',
  collect: async () => ({}),
  checks: [],
});
