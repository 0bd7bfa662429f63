import { CAUSAL_GRAPH, DOWN_WHEN } from '../checks/causes.js';
import { reconcileRemediations } from '../checks/remediations.js';
import { linkRootCauses, rootCausesOf, type CausalLink, type RootCause } from './causality.js';
import type { Finding } from './model.js';

/** A report's findings linked to their root causes, with fixes that agree with each other. */
export interface Diagnosis {
  /** The findings, same order, with `rootCause` set on symptoms and reconciled remediations. */
  findings: Finding[];
  /** Every failing finding no other explains, most severe (with its symptoms) first. */
  rootCauses: RootCause[];
}

/**
 * Diagnose one report (the CLI, the aggregate function and the demo all do it the same way): link each
 * symptom to its root cause along the causal graph (lambdas/checks/causes.ts), give every finding about
 * a node group the same resize, and route no fix through a component the report finds down.
 */
export function diagnose(
  findings: readonly Finding[],
  graph: readonly CausalLink[] = CAUSAL_GRAPH,
): Diagnosis {
  const linked = reconcileRemediations(linkRootCauses([...findings], graph), DOWN_WHEN);
  return { findings: linked, rootCauses: rootCausesOf(linked) };
}
