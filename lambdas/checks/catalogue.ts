import type { CheckGroup } from '../audit/group.js';
import type { GroupId } from '../audit/model.js';
import type { FindingMeta } from '../audit/runner.js';
import { GROUP_META } from './meta.js';

/** Group → metadata of its checks, in catalogue order: what a failed group's `error` findings are made of. */
export type CheckCatalogue = Readonly<Partial<Record<GroupId, readonly FindingMeta[]>>>;

/** Check id of the single `error` finding that stands for a whole group whose checks are unknown. */
export function groupCheckId(group: string): string {
  return `${group}-group`;
}

const findingMeta = ({ id, group, severity, title, guideSection }: FindingMeta): FindingMeta => ({
  id,
  group,
  severity,
  title,
  guideSection,
});

/** The catalogue of some check groups (e.g. `GROUPS`), built from their checks' metadata. */
export function catalogueOf(groups: readonly CheckGroup<unknown>[]): CheckCatalogue {
  return Object.fromEntries(groups.map((g) => [g.id, g.checks.map((c) => findingMeta(c.meta))]));
}

/**
 * Metadata of every check, without the check code: lets the aggregate Lambda expand a failed group
 * without bundling the collectors and their clients. Derived from the checks' metadata files
 * (lambdas/checks/<group>/meta.ts); a test keeps it equal to `catalogueOf(GROUPS)`.
 */
export const CATALOGUE: CheckCatalogue = Object.fromEntries(
  Object.entries(GROUP_META).map(([group, metas]) => [
    group,
    Object.values(metas).map((m) => findingMeta(m as FindingMeta)),
  ]),
);
