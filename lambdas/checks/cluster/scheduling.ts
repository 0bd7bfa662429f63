import type { Nodegroup, Taint } from '@aws-sdk/client-eks';
import type {
  CoreV1Event,
  V1NodeSelectorRequirement,
  V1Pod,
  V1Toleration,
} from '../../clients/kube-types.js';
import type { Fact } from '../../audit/fact.js';

/** Pure helpers about scheduling: the scheduler's FailedScheduling message, taints and tolerations. */

export type CauseKind = 'insufficient' | 'taint' | 'selector' | 'pvc' | 'too-many-pods' | 'other';

/** One reason why nodes rejected a pod, as the scheduler reports it. */
export interface SchedulingCause {
  kind: CauseKind;
  /** Stable id: `insufficient-cpu`, `taint:coder.com/workspaces=true`, `selector`, ... */
  id: string;
  /** The scheduler's own words for it (`3 Insufficient cpu`). */
  text: string;
  /** Nodes rejecting the pod for this reason. */
  nodes: number;
  /** For `insufficient`: the resource (`cpu`, `memory`, `nvidia.com/gpu`...). */
  resource?: string;
  /** For `taint`: the taint as the message names it (its effect is not in the message). */
  taint?: { key: string; value: string };
}

/** Most characters of a scheduler message that are parsed. */
export const MAX_MESSAGE_CHARS = 4096;

/**
 * Parse "0/6 nodes are available: 3 Insufficient cpu, 3 node(s) had untolerated taint {k: v}. preemption: ..."
 * into causes. Nodes rejected only because the pod's node selector/affinity excludes them are not a cause
 * when other nodes were rejected for another reason: those are the pod's targets by design.
 */
export function parseSchedulingMessage(full: string): SchedulingCause[] {
  // Scheduler messages are short; an untrusted one is cut before any pattern runs over it.
  const message = full.length > MAX_MESSAGE_CHARS ? full.slice(0, MAX_MESSAGE_CHARS) : full;
  const m = /nodes are available:\s*(.*?)(?:\.\s*preemption:|\.?\s*$)/s.exec(message);
  if (!m) {
    const text = message.trim() || 'unknown';
    return [{ kind: 'other', id: `other:${text.slice(0, 60)}`, text, nodes: 0 }];
  }
  const items = m[1]!
    .replace(/, that the pod didn't tolerate/g, " that the pod didn't tolerate")
    .split(/,\s*(?=\d+ )/)
    .map((s) => s.trim().replace(/\.$/, ''))
    .filter(Boolean);
  const causes = items.map((item): SchedulingCause => {
    const [, n = '0', reason = item] = /^(\d+)\s+(.*)$/.exec(item) ?? [];
    const nodes = Number(n);
    let r: RegExpExecArray | null;
    if ((r = /^Insufficient (\S+)/.exec(reason))) {
      return { kind: 'insufficient', id: `insufficient-${r[1]}`, text: item, nodes, resource: r[1]! };
    }
    if ((r = /had (?:untolerated )?taint \{([^:}]+):\s*([^}]*)\}/.exec(reason))) {
      const taint = { key: r[1]!.trim(), value: r[2]!.trim() };
      return { kind: 'taint', id: `taint:${taint.key}=${taint.value}`, text: item, nodes, taint };
    }
    if (/didn't match (Pod's )?node (affinity|selector)/.test(reason)) {
      return { kind: 'selector', id: 'selector', text: item, nodes };
    }
    if (/PersistentVolumeClaim|volume node affinity conflict/.test(reason)) {
      return { kind: 'pvc', id: 'pvc', text: item, nodes };
    }
    if (/Too many pods/.test(reason))
      return { kind: 'too-many-pods', id: 'too-many-pods', text: item, nodes };
    return { kind: 'other', id: `other:${reason.slice(0, 60)}`, text: item, nodes };
  });
  const blocking = causes.filter((c) => c.kind !== 'selector');
  return blocking.length > 0 ? blocking : causes;
}

/** The pods-pending reason of each kind of scheduling cause. */
export const CAUSE_REASONS: Record<CauseKind, string> = {
  insufficient: 'insufficient-resources',
  'too-many-pods': 'too-many-pods',
  taint: 'untolerated-taint',
  selector: 'node-selector',
  pvc: 'unbound-pvc',
  other: 'unschedulable',
};

/**
 * Unscheduled pods grouped by the causes in their PodScheduled condition, or, when it has no message, in
 * their latest FailedScheduling event. Throws (→ `error`) when only the events could say why and they could
 * not be read.
 */
export function groupByCause(
  pods: readonly V1Pod[],
  events: Fact<CoreV1Event[]>,
): Array<{ cause: SchedulingCause; pods: V1Pod[] }> {
  const byCause = new Map<string, { cause: SchedulingCause; pods: V1Pod[] }>();
  for (const pod of pods) {
    const condition = pod.status?.conditions?.find((c) => c.type === 'PodScheduled')?.message?.trim() ?? '';
    const { name, namespace } = pod.metadata ?? {};
    const event = (events.ok ? events.value : [])
      .filter(
        (e) => e.involvedObject.name === name && (e.involvedObject.namespace ?? namespace) === namespace,
      )
      .sort((a, b) => lastSeenMs(b) - lastSeenMs(a))[0]?.message;
    if (!condition && event === undefined && !events.ok) {
      throw new Error(`could not read ${events.name}: ${events.error}`);
    }
    for (const cause of parseSchedulingMessage(condition || event || '')) {
      const entry = byCause.get(cause.id) ?? { cause, pods: [] };
      entry.pods.push(pod);
      byCause.set(cause.id, entry);
    }
  }
  return [...byCause.values()];
}

/**
 * When an event was last seen, in epoch ms (0 when unknown). The kube-scheduler records its events through
 * events.k8s.io/v1, whose core/v1 view has `lastTimestamp: null` and the time in `eventTime` (and, once
 * repeated, `series.lastObservedTime`); older recorders set `lastTimestamp`. All are RFC 3339 strings.
 */
export function lastSeenMs(e: CoreV1Event): number {
  const at =
    e.series?.lastObservedTime ??
    e.lastTimestamp ??
    e.eventTime ??
    e.firstTimestamp ??
    e.metadata.creationTimestamp;
  const ms = at ? Date.parse(at) : Number.NaN;
  return Number.isNaN(ms) ? 0 : ms;
}

/** Kubernetes name of an EKS taint effect (`NO_SCHEDULE` → `NoSchedule`). */
export function k8sEffect(effect: string | undefined): string {
  const map: Record<string, string> = {
    NO_SCHEDULE: 'NoSchedule',
    NO_EXECUTE: 'NoExecute',
    PREFER_NO_SCHEDULE: 'PreferNoSchedule',
  };
  return (effect && map[effect]) ?? effect ?? 'NoSchedule';
}

/** A taint in Kubernetes terms. */
export interface K8sTaint {
  key: string;
  value: string;
  effect: string;
}

export function fromEks(t: Taint): K8sTaint {
  return { key: t.key ?? '', value: t.value ?? '', effect: k8sEffect(t.effect) };
}

/** Kubernetes' ToleratesTaint: does any toleration match the taint? */
export function tolerates(tolerations: readonly V1Toleration[] | undefined, taint: K8sTaint): boolean {
  return (tolerations ?? []).some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.key && t.key !== taint.key) return false;
    if (t.operator === 'Exists') return true;
    if (!t.key) return false;
    return (t.value ?? '') === taint.value;
  });
}

/** The toleration to add to the workspace pod spec, as YAML. */
export function tolerationYaml(taint: K8sTaint): string {
  return [
    'tolerations:',
    `  - key: ${JSON.stringify(taint.key)}`,
    '    operator: "Equal"',
    `    value: ${JSON.stringify(taint.value)}`,
    `    effect: ${JSON.stringify(taint.effect)}`,
  ].join('\n');
}

/** `key=value:Effect` */
export function taintText(t: K8sTaint): string {
  return `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`;
}

/** The node labels the audit knows for an EKS managed node group: its own labels and the EKS one. */
export function nodegroupLabels(name: string, labels?: Record<string, string>): Record<string, string> {
  return { ...labels, 'eks.amazonaws.com/nodegroup': name };
}

/**
 * Does the pod's nodeSelector / required node affinity aim at nodes with these labels? Only the keys of
 * `labels` are compared (others, e.g. kubernetes.io/os, are unknown here and ignored): true when at least
 * one of them selects these nodes and none excludes them.
 */
export function targetsNodes(pod: V1Pod, labels: Record<string, string>): boolean {
  const has = (k: string) => Object.hasOwn(labels, k);
  const selector = Object.entries(pod.spec?.nodeSelector ?? {}).filter(([k]) => has(k));
  if (selector.some(([k, v]) => labels[k] !== v)) return false;
  let targeted = selector.length > 0;
  const affinity = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const terms = (affinity?.nodeSelectorTerms ?? []).map((term) => {
    const exprs = (term.matchExpressions ?? []).filter((e) => has(e.key));
    const ok = exprs.every((e) => matchesRequirement(e, labels[e.key]!));
    return { ok, targets: ok && exprs.length > 0 };
  });
  if (terms.length > 0) {
    if (!terms.some((t) => t.ok)) return false;
    targeted ||= terms.some((t) => t.targets);
  }
  return targeted;
}

function matchesRequirement(e: V1NodeSelectorRequirement, value: string): boolean {
  const values = e.values ?? [];
  switch (e.operator) {
    case 'In':
      return values.includes(value);
    case 'NotIn':
      return !values.includes(value);
    case 'DoesNotExist':
      return false;
    case 'Gt':
      return Number(value) > Number(values[0]);
    case 'Lt':
      return Number(value) < Number(values[0]);
    default:
      return true; // Exists
  }
}

/** Pending and rejected by the scheduler (PodScheduled=False). */
export function isUnscheduled(pod: V1Pod): boolean {
  return (
    pod.status?.phase === 'Pending' &&
    (pod.status.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False') ?? false)
  );
}

/** The NoSchedule/NoExecute taints of a node group, in Kubernetes terms. */
export function hardTaints(ng: Nodegroup): K8sTaint[] {
  return (ng.taints ?? []).map(fromEks).filter((t) => t.effect !== 'PreferNoSchedule');
}

/** Where a pod may land among the node groups, and whether it tolerates all hard taints of one of them. */
export interface PodPlacement {
  /** The node groups it targets; for an unscheduled pod targeting none, all; for a running one, none. */
  nodegroups: string[];
  fits: boolean;
}

export function podPlacement(pod: V1Pod, nodegroups: Record<string, Nodegroup | undefined>): PodPlacement {
  const found = Object.entries(nodegroups).filter((g): g is [string, Nodegroup] => g[1] !== undefined);
  const aimed = found.filter(([n, ng]) => targetsNodes(pod, nodegroupLabels(n, ng.labels)));
  const candidates = aimed.length ? aimed : isUnscheduled(pod) ? found : [];
  return {
    nodegroups: candidates.map(([n]) => n),
    fits: candidates.some(([, ng]) => hardTaints(ng).every((t) => tolerates(pod.spec?.tolerations, t))),
  };
}
