import type { GroupResult } from '../audit/aggregate.js';
import { Status, type Finding } from '../audit/model.js';

/** Largest evidence kept per finding, in bytes of JSON; larger evidence becomes `{ truncated: true }`. */
export const MAX_EVIDENCE_BYTES = 2048;
/**
 * Largest group result returned to the workflow, in bytes of JSON. Step Functions fails the whole
 * execution (`States.DataLimitExceeded`, which no Catch handles) when a state's data exceeds 256 KiB,
 * and the four group results of a deployment travel together into the Aggregate task.
 */
export const MAX_GROUP_RESULT_BYTES = 48 * 1024;

const bytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8');

/** How `fitGroupResult` had to shrink a result beyond its routine trimming. */
export type Degradation = 'passes-dropped' | 'evidence-dropped';

/**
 * Make a group result fit the workflow's payload limit. Pass findings lose their evidence (the store
 * keeps none; a pass only has to be known), other findings keep evidence up to `MAX_EVIDENCE_BYTES`.
 * If the result is still over `maxBytes`, pass findings are dropped (their checks' open findings then
 * stay open until a run that fits: never a false resolution), then the evidence of the rest.
 */
export function fitGroupResult(
  result: GroupResult,
  maxBytes = MAX_GROUP_RESULT_BYTES,
): { result: GroupResult; degraded: Degradation[] } {
  const degraded: Degradation[] = [];
  let findings = result.findings.map(trimEvidence);
  const fits = (): boolean => bytes({ ...result, findings }) <= maxBytes;
  if (!fits()) {
    findings = findings.filter((f) => f.status !== Status.Pass);
    degraded.push('passes-dropped');
  }
  if (!fits()) {
    findings = findings.map((f) => ({ ...f, evidence: { truncated: true } }));
    degraded.push('evidence-dropped');
  }
  return { result: { ...result, findings }, degraded };
}

function trimEvidence(f: Finding): Finding {
  if (f.status === Status.Pass) return { ...f, evidence: {} };
  return bytes(f.evidence) <= MAX_EVIDENCE_BYTES ? f : { ...f, evidence: { truncated: true } };
}
