import type {
  V1Container,
  V1ContainerStatus,
  V1Deployment,
  V1EnvFromSource,
  V1EnvVar,
  V1Pod,
} from '../../clients/kube-types.js';
import { need, type Fact } from '../../audit/fact.js';
import { isUnscheduled } from './scheduling.js';

/** Pure helpers over Kubernetes objects shared by the cluster checks. */

/** Waiting reasons of a container blocked by its configuration (secret, config map, key). */
export const CONFIG_REASONS = new Set(['CreateContainerConfigError', 'CreateContainerError']);
/** Waiting reasons of a container whose image cannot be pulled. */
export const IMAGE_REASONS = new Set(['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName']);

/**
 * The reason of a long-running pod that does not serve (coderd-ready, provisioners-ready), most telling
 * first: not scheduled, a container that cannot be created, OOMKilled, crash-looping, restarted since `since`
 * (epoch ms), else not Ready.
 */
export function podReason(
  pod: V1Pod,
  since = Number.POSITIVE_INFINITY,
  oomKilled = false,
): 'unschedulable' | 'container-blocked' | 'oom-killed' | 'crash-loop' | 'restarting' | 'not-ready' {
  const waiting = statuses(pod).map((c) => c.state?.waiting?.reason ?? '');
  const finished = (c: V1ContainerStatus) => new Date(c.lastState?.terminated?.finishedAt ?? 0).getTime();
  if (isUnscheduled(pod)) return 'unschedulable';
  if (waiting.some((r) => CONFIG_REASONS.has(r) || IMAGE_REASONS.has(r))) return 'container-blocked';
  if (oomKilled) return 'oom-killed';
  if (waiting.includes('CrashLoopBackOff')) return 'crash-loop';
  if (statuses(pod).some((c) => c.restartCount > 0 && finished(c) >= since)) return 'restarting';
  return 'not-ready';
}

/** `k8s:<namespace>/<workload>` of a pod's workload, or the pod itself (`podRef`) when it has no owner. */
export function workloadRef(pod: V1Pod): string {
  const workload = workloadOf(pod);
  return workload.startsWith('pod/') ? podRef(pod) : `k8s:${pod.metadata?.namespace ?? ''}/${workload}`;
}

/** What a readiness check says of a long-running pod: phase, readiness, waiting reasons, its reason. */
export function podState(pod: V1Pod) {
  const name = podName(pod);
  const phase = pod.status?.phase ?? 'Unknown';
  const ready = isReady(pod);
  const waiting = statuses(pod).flatMap((c) => (c.state?.waiting?.reason ? [c.state.waiting.reason] : []));
  const text = `${name} is ${phase}${ready ? '' : ', not Ready'}${waiting.length ? ` (${waiting.join(', ')})` : ''}`;
  return { name, phase, ready, waiting, reason: podReason(pod), ok: phase === 'Running' && ready, text };
}

/** Items grouped by a key, in the order each key first appears. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return [...groups.values()];
}

/** `k8s:<namespace>/pod/<name>` */
export function podRef(pod: V1Pod): string {
  return `k8s:${pod.metadata?.namespace ?? ''}/pod/${pod.metadata?.name ?? ''}`;
}

export function podName(pod: V1Pod): string {
  return pod.metadata?.name ?? '';
}

/**
 * The workload a pod belongs to, as root-cause rules compare it: `deployment/<name>` for a pod of a
 * ReplicaSet (its name minus the `pod-template-hash` suffix the Deployment controller gives it),
 * `<kind>/<name>` for another owner (lower case), `pod/<name>` for a pod without an owner.
 */
export function workloadOf(pod: V1Pod): string {
  const owner =
    pod.metadata?.ownerReferences?.find((o) => o.controller) ?? pod.metadata?.ownerReferences?.[0];
  if (!owner) return `pod/${podName(pod)}`;
  const hash = pod.metadata?.labels?.['pod-template-hash'];
  if (owner.kind === 'ReplicaSet' && hash && owner.name.endsWith(`-${hash}`)) {
    return `deployment/${owner.name.slice(0, -hash.length - 1)}`;
  }
  return `${owner.kind.toLowerCase()}/${owner.name}`;
}

/** Minutes since the pod was created (0 when unknown). */
export function ageMinutes(pod: V1Pod, now: Date): number {
  const created = pod.metadata?.creationTimestamp;
  return created ? (now.getTime() - new Date(created).getTime()) / 60_000 : 0;
}

/** The pods of a namespace; throws (→ `error` result) when they could not be read. */
export function podsIn(pods: Record<string, Fact<V1Pod[]>>, namespace: string): V1Pod[] {
  const fact = pods[namespace];
  if (!fact) throw new Error(`pods of namespace ${namespace} were not collected`);
  return need(fact);
}

/** The pod's Ready condition is True. */
export function isReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** The container a component's logs and env come from: the one named `preferred`, else the first. */
export function mainContainer(pod: V1Pod, preferred: string): string {
  const names = (pod.spec?.containers ?? []).map((c) => c.name);
  return names.includes(preferred) ? preferred : (names[0] ?? preferred);
}

/** Why the container has never produced a log (never started), or undefined. */
export function neverStarted(pod: V1Pod, container: string): string | undefined {
  if (pod.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False')) {
    return 'pod is not scheduled';
  }
  const s = pod.status?.containerStatuses?.find((c) => c.name === container);
  if (!s) return 'container has no status yet';
  if (s.state?.waiting && s.restartCount === 0)
    return `container is waiting: ${s.state.waiting.reason ?? ''}`;
  return undefined;
}

/** Container statuses, init containers included. */
export function statuses(pod: V1Pod): V1ContainerStatus[] {
  return [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
}

/** True when every `matchLabels` pair is on the pod. */
export function selects(deployment: V1Deployment, pod: V1Pod): boolean {
  const want = deployment.spec?.selector?.matchLabels ?? {};
  const have = pod.metadata?.labels ?? {};
  return Object.keys(want).length > 0 && Object.entries(want).every(([k, v]) => have[k] === v);
}

/** The deployment's container the component runs in. */
export function templateContainer(deployment: V1Deployment, preferred: string): V1Container | undefined {
  const cs = deployment.spec?.template?.spec?.containers ?? [];
  return cs.find((c) => c.name === preferred) ?? cs[0];
}

/** First `n` items, and how many were left out. */
export function sample<T>(items: readonly T[], n = 10): { items: T[]; more: number } {
  return { items: items.slice(0, n), more: Math.max(0, items.length - n) };
}

/** Where an env var's value comes from; secret and config map references are described, never resolved. */
export function envSource(v: V1EnvVar | undefined): { value?: string; ref?: string } {
  if (!v) return {};
  const s = v.valueFrom?.secretKeyRef;
  if (s) return { ref: `from secret ${s.name}/${s.key}, not read` };
  const c = v.valueFrom?.configMapKeyRef;
  if (c) return { ref: `from config map ${c.name}/${c.key}, not read` };
  return v.valueFrom ? { ref: 'from a field reference, not read' } : { value: v.value ?? '' };
}

/** The secrets and config maps a container takes all its variables from (`envFrom`), as `secret x`. */
export function envFromNames(sources: readonly V1EnvFromSource[] | undefined): string[] {
  return (sources ?? []).map((f) =>
    f.secretRef ? `secret ${f.secretRef.name}` : `config map ${f.configMapRef?.name ?? '?'}`,
  );
}

/** A container's variables: values from `env`; references, and any variable absent from env but possibly in envFrom, described (never read). */
export function containerEnv(c: V1Container | undefined) {
  const env = c?.env ?? [];
  const envFrom = envFromNames(c?.envFrom);
  return {
    names: env.map((e) => e.name),
    envFrom,
    get(k: string): { value?: string; ref?: string; viaEnvFrom?: boolean } {
      const v = env.find((e) => e.name === k);
      if (v || envFrom.length === 0) return envSource(v);
      return { ref: `from envFrom ${envFrom.join(', ')}, not read`, viaEnvFrom: true };
    },
  };
}

/** What is wrong with a long-running pod: not Ready, waiting, crash-looping, restarts in the window, OOMKilled. */
export function podProblems(
  pod: V1Pod,
  now: Date,
  windowMinutes: number,
): { problems: string[]; oomKilled: boolean; restarts: number } {
  const since = now.getTime() - windowMinutes * 60_000;
  const problems: string[] = isReady(pod) ? [] : ['not Ready'];
  let oomKilled = false;
  let restarts = 0;
  for (const s of statuses(pod)) {
    restarts += s.restartCount;
    const waiting = s.state?.waiting?.reason;
    const last = s.lastState?.terminated;
    if (waiting === 'CrashLoopBackOff')
      problems.push(`${s.name} in CrashLoopBackOff (${s.restartCount} restarts)`);
    else if (waiting) problems.push(`${s.name} waiting in ${waiting}`);
    if (s.restartCount > 0 && last?.finishedAt && new Date(last.finishedAt).getTime() >= since) {
      problems.push(
        `${s.name} restarted within ${windowMinutes} min (last exit: ${last.reason ?? '?'}, code ${last.exitCode})`,
      );
    }
    oomKilled ||= last?.reason === 'OOMKilled' || s.state?.terminated?.reason === 'OOMKilled';
  }
  return { problems, oomKilled, restarts };
}
