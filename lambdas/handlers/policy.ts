import type { MuteRule, OverrideRule } from '../audit/config.js';
import { ConfigError } from '../audit/errors.js';
import type { Policy } from '../audit/mutes.js';

/** Where a function finds a deployment's mutes and overrides at run time. */
export type PolicySource = (id: string) => Promise<Policy>;

/** SSM parameter of one deployment's configuration (JSON, one per deployment: 4 KB standard tier each). */
export const deploymentParameterName = (prefix: string, id: string): string => `${prefix}/deployments/${id}`;

const SEVERITIES = new Set(['critical', 'high', 'medium', 'low', 'info']);
const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);

/**
 * The mutes and overrides of one deployment's parameter document (`deploymentDocument`). The document was
 * validated by the configuration schema at synth, and the group functions validate it again on every run;
 * this guard only checks the fields the Aggregate function uses, so that its bundle does without the
 * schema (zod and the catalogue's check code), as its bundle test requires.
 */
export function policyOfDocument(doc: unknown, source: string): Policy {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc))
    throw new ConfigError(`invalid ${source}: not one deployment object`);
  const { mutes = [], overrides = [] } = doc as { mutes?: unknown; overrides?: unknown };
  const bad = (what: string) => new ConfigError(`invalid ${source}: ${what}`);
  if (!Array.isArray(mutes) || !Array.isArray(overrides)) throw bad('mutes and overrides must be lists');
  mutes.forEach((m: Partial<MuteRule>, i) => {
    const ok =
      m &&
      isString(m.check) &&
      isString(m.resource) &&
      isString(m.reason) &&
      isString(m.owner) &&
      isString(m.expires) &&
      !Number.isNaN(Date.parse(m.expires)) &&
      (m.reasons === undefined || isStrings(m.reasons));
    if (!ok) throw bad(`mutes[${i}] needs check, resource, reason, owner and a valid expires`);
  });
  overrides.forEach((o: Partial<OverrideRule>, i) => {
    const ok =
      o &&
      isString(o.check) &&
      isString(o.reason) &&
      (o.severity === undefined || SEVERITIES.has(o.severity)) &&
      (o.disabled === undefined || typeof o.disabled === 'boolean');
    if (!ok) throw bad(`overrides[${i}] needs check, reason and a valid severity or disabled`);
  });
  return { mutes: mutes as MuteRule[], overrides: overrides as OverrideRule[] };
}
