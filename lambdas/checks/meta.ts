import type { CheckMeta } from '../audit/check.js';
import type { GroupId } from '../audit/model.js';
import { CLUSTER_META } from './cluster/meta.js';
import { CODER_META } from './coder/meta.js';
import { DATABASE_META } from './database/meta.js';
import { INFRA_META } from './infra/meta.js';

/**
 * The metadata of every check, by group, in catalogue order: the single source the checks, the catalogue of
 * the aggregate function (catalogue.ts), the README table (scripts/docs.ts), the causal graph (causes.ts)
 * and the test fixtures derive from. Data only: importing it loads no collector and no client.
 */
export const GROUP_META = {
  infra: INFRA_META,
  cluster: CLUSTER_META,
  database: DATABASE_META,
  coder: CODER_META,
} as const satisfies Record<GroupId, Record<string, CheckMeta>>;

type AllMeta = typeof INFRA_META & typeof CLUSTER_META & typeof DATABASE_META & typeof CODER_META;

/** Every check's metadata by id. */
export const CHECK_META: AllMeta = {
  ...INFRA_META,
  ...CLUSTER_META,
  ...DATABASE_META,
  ...CODER_META,
};

/** The id of a check. */
export type CheckId = keyof AllMeta;
/** The reason codes of a check. */
export type ReasonOf<C extends CheckId> = keyof AllMeta[C]['reasons'] & string;

/** Every check's metadata, in catalogue order. */
export function allMeta(): CheckMeta[] {
  return Object.values(GROUP_META).flatMap((g) => Object.values(g) as CheckMeta[]);
}

/** The metadata of a check, or undefined for an unknown id. */
export function metaOf(id: string): CheckMeta | undefined {
  return Object.hasOwn(CHECK_META, id) ? (CHECK_META as Record<string, CheckMeta>)[id] : undefined;
}
