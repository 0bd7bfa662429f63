import type { GroupResult } from '../audit/aggregate.js';
import { Status, type Finding } from '../audit/model.js';
import { resultKey, type ResultRef, type ResultStore } from '../store/results.js';

/** Largest evidence kept per finding, in bytes of JSON; larger evidence becomes `{ truncated: true }`. */
export const MAX_EVIDENCE_BYTES = 2048;
/**
 * Largest group result returned inline to the workflow, in bytes of JSON. Step Functions fails the whole
 * execution (`States.DataLimitExceeded`, which no Catch of `States.ALL` handles) when a state's input or
 * output exceeds 256 KiB; four results of at most 32 KB (plus the Map's own input) stay well below, and a
 * larger result travels by reference ({@link ResultStore}), whatever its size: nothing is dropped.
 */
export const MAX_INLINE_RESULT_BYTES = 32 * 1024;
/**
 * Workflow payload limit: 256 KiB of UTF-8 JSON per state input or output
 * (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html#service-limits-task-executions).
 */
export const STATE_PAYLOAD_LIMIT_BYTES = 256 * 1024;

/** What a group task returns to the workflow: inline findings, or none and a reference to them. */
export type PackedGroupResult = GroupResult & { ref?: ResultRef };

export const payloadBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8');

/**
 * Bound a group result for the workflow. Pass findings lose their evidence (the store keeps none), other
 * findings keep evidence up to {@link MAX_EVIDENCE_BYTES}. A result still above `maxInlineBytes` is stored
 * whole in the result store and returned as a reference with its counts.
 */
export async function packGroupResult(
  result: GroupResult,
  opts: { store: ResultStore; executionId: string; maxInlineBytes?: number },
): Promise<PackedGroupResult> {
  const findings = result.findings.map(trimEvidence);
  const trimmed = { ...result, findings };
  if (payloadBytes(trimmed) <= (opts.maxInlineBytes ?? MAX_INLINE_RESULT_BYTES)) return trimmed;
  const ref = await opts.store.put(resultKey(opts.executionId, result.deployment, result.group), findings);
  return { ...result, findings: [], ref };
}

/** The group results with every reference replaced by the findings it points to. */
export async function unpackGroupResults(
  results: readonly PackedGroupResult[],
  store: Pick<ResultStore, 'get'>,
): Promise<GroupResult[]> {
  return Promise.all(
    results.map(async ({ ref, ...r }) => (ref ? { ...r, findings: await store.get(ref) } : r)),
  );
}

function trimEvidence(f: Finding): Finding {
  if (f.status === Status.Pass) return { ...f, evidence: {} };
  return payloadBytes(f.evidence) <= MAX_EVIDENCE_BYTES ? f : { ...f, evidence: { truncated: true } };
}
