import type { Check } from '../audit/check.js';
import type { CheckGroup } from '../audit/group.js';
import { clusterGroup } from './cluster/index.js';
import { coderGroup } from './coder/index.js';
import { databaseGroup } from './database/index.js';
import { infraGroup } from './infra/index.js';

/** Every check group, in catalogue order. */
export const GROUPS: readonly CheckGroup<unknown>[] = [
  infraGroup as CheckGroup<unknown>,
  clusterGroup as CheckGroup<unknown>,
  databaseGroup as CheckGroup<unknown>,
  coderGroup as CheckGroup<unknown>,
];

/** Every check, in catalogue order. */
export function allChecks(): Check<unknown>[] {
  return GROUPS.flatMap((g) => g.checks as Check<unknown>[]);
}

/** Look up a group by id. */
export function groupById(id: string): CheckGroup<unknown> | undefined {
  return GROUPS.find((g) => g.id === id);
}
