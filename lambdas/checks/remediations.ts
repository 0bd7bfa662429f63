import { matches, type FindingPattern } from '../audit/causality.js';
import { Status, type Component, type Finding, type Remediation } from '../audit/model.js';
import { quotaRemediation } from './infra/quotas.js';
import { scaleUp, scalingCommand, type NodegroupSizes } from './nodegroup-sizing.js';

/** How a component is named in a blocked fix. */
const COMPONENT_NAMES: Record<Component, string> = {
  coderd: 'a running coderd pod',
  'coder-api': 'the Coder API',
};

/**
 * One size per node group: every finding that resizes a node group (nodegroup-capacity, pods-pending...)
 * gets the same `update-nodegroup-config`, computed once from the largest need (nodes to add, minimum)
 * of all of them. Returns the reconciled maximum size of each node group it resized.
 */
function reconcileScaling(findings: Finding[]): Map<string, number> {
  const plans = findings.flatMap((f) => f.remediation?.scaling ?? []);
  const byGroup = new Map<
    string,
    { cluster: string; nodegroup: string; current: NodegroupSizes; add: number; min: number }
  >();
  for (const p of plans) {
    const key = `${p.cluster}/${p.nodegroup}`;
    const seen = byGroup.get(key);
    byGroup.set(key, {
      cluster: p.cluster,
      nodegroup: p.nodegroup,
      // Sizes read by different groups may differ by a scaling in between: the larger desired is the newer.
      current: seen && seen.current.desiredSize >= p.current.desiredSize ? seen.current : p.current,
      add: Math.max(seen?.add ?? 0, p.addNodes),
      min: Math.max(seen?.min ?? 0, p.minAtLeast),
    });
  }
  const commands = new Map<string, string>();
  const maxSizes = new Map<string, number>();
  for (const [key, g] of byGroup) {
    const sizes = scaleUp(g.current, g.add, g.min);
    commands.set(key, scalingCommand(g.cluster, g.nodegroup, sizes));
    maxSizes.set(g.nodegroup, sizes.maxSize);
  }
  for (const f of findings) {
    const r = f.remediation;
    if (!r?.scaling) continue;
    const replace = new Map(r.scaling.map((p) => [p.command, commands.get(`${p.cluster}/${p.nodegroup}`)!]));
    r.commands = r.commands.map((c) => replace.get(c) ?? c);
  }
  return maxSizes;
}

/** The vCPU quota request, recomputed for the maximum sizes the other fixes of the report set. */
function reconcileQuota(findings: Finding[], maxSizes: Map<string, number>): void {
  for (const f of findings) {
    const plan = f.remediation?.quota;
    if (!plan) continue;
    const raised = Object.fromEntries(
      Object.keys(plan.vcpusPerNode)
        .filter((ng) => (maxSizes.get(ng) ?? 0) > (plan.maxSizes[ng] ?? 0))
        .map((ng) => [ng, maxSizes.get(ng)!]),
    );
    if (Object.keys(raised).length === 0) continue;
    const { text, commands } = quotaRemediation(plan, raised);
    f.remediation = {
      ...f.remediation!,
      text: `${text} This counts the maximum sizes the node group fixes of this report set.`,
      commands,
    };
  }
}

/**
 * Never a command through a component the report finds down: a fix that `needs` it takes its `otherwise`
 * route, or, without one, becomes a note to run it once the component is back (no commands).
 */
function reconcileRoutes(
  findings: Finding[],
  downWhen: Readonly<Record<Component, readonly FindingPattern[]>>,
): void {
  const down = new Map<Component, Finding>();
  for (const [component, patterns] of Object.entries(downWhen) as [Component, FindingPattern[]][]) {
    const f = findings.find((x) => x.status === Status.Fail && patterns.some((p) => matches(x, p)));
    if (f) down.set(component, f);
  }
  for (const f of findings) {
    const r = f.remediation;
    const blocking = (r?.needs ?? []).map((c) => [c, down.get(c)] as const).find(([, d]) => d && d !== f);
    if (!r || !blocking) continue;
    const [component, by] = blocking as [Component, Finding];
    f.remediation = r.otherwise
      ? { text: r.otherwise.text, commands: [...r.otherwise.commands] }
      : {
          text:
            `Once ${COMPONENT_NAMES[component]} answers again (this report finds it down: ${by.checkId} on ` +
            `${by.resource}), ${r.text.charAt(0).toLowerCase()}${r.text.slice(1)}`,
          commands: [],
          blockedBy: by.fingerprint,
        };
  }
}

/** The remediation without the plans the diagnosis consumed: text, commands, and `blockedBy` if set. */
function settled(r: Remediation): Remediation {
  const { needs: _n, otherwise: _o, scaling: _s, quota: _q, ...rest } = r;
  return rest;
}

/**
 * Make the fixes of one report agree: one size per node group (and the quota request that follows from
 * it), and no command through a component the report finds down. Returns new finding objects.
 */
export function reconcileRemediations(
  findings: readonly Finding[],
  downWhen: Readonly<Record<Component, readonly FindingPattern[]>>,
): Finding[] {
  const copy = findings.map((f) =>
    f.remediation
      ? { ...f, remediation: { ...f.remediation, commands: [...f.remediation.commands] } }
      : { ...f },
  );
  reconcileQuota(copy, reconcileScaling(copy));
  reconcileRoutes(copy, downWhen);
  return copy.map((f) => (f.remediation ? { ...f, remediation: settled(f.remediation) } : f));
}
