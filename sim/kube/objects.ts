import { createHash } from 'node:crypto';
import {
  slogHuman,
  type KubernetesScenario,
  type SimDeployment,
  type SimEnvVar,
  type SimEvent,
  type SimLogLine,
  type SimPod,
} from './model.js';

/** A Kubernetes object as it travels on the wire (JSON). */
export type Wire = Record<string, unknown>;

const iso = (now: Date, minutesAgo: number) => new Date(now.getTime() - minutesAgo * 60_000).toISOString();
const at = (now: Date, minutesAgo: number) => iso(now, minutesAgo).replace(/\.\d{3}Z$/, 'Z');

/** Deterministic uid for an object. */
export function uid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('/')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function hash(s: string, n: number): string {
  return createHash('sha256')
    .update(s)
    .digest('hex')
    .replace(/[0-3]/g, (d) => 'bcdf'[Number(d)]!)
    .slice(0, n);
}

function env(vars: Record<string, SimEnvVar>): Wire[] {
  return Object.entries(vars).map(([name, v]) =>
    'value' in v
      ? { name, value: v.value }
      : 'secretKeyRef' in v
        ? { name, valueFrom: { secretKeyRef: v.secretKeyRef } }
        : { name, valueFrom: { configMapKeyRef: v.configMapKeyRef } },
  );
}

/** Tolerations that the DefaultTolerationSeconds admission plugin adds to every pod. */
const DEFAULT_TOLERATIONS: Wire[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
];

export function deploymentObject(ns: string, name: string, d: SimDeployment, now: Date): Wire {
  const ready = d.readyReplicas ?? d.replicas;
  const available = d.availableReplicas ?? ready;
  const ok = available >= d.replicas;
  return {
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    metadata: {
      name,
      namespace: ns,
      uid: uid(ns, 'deployment', name),
      resourceVersion: '48213',
      generation: 3,
      creationTimestamp: at(now, d.ageMinutes),
      labels: d.labels,
      annotations: { 'deployment.kubernetes.io/revision': '3', 'meta.helm.sh/release-name': name },
    },
    spec: {
      replicas: d.replicas,
      selector: { matchLabels: d.labels },
      template: {
        metadata: { labels: d.labels },
        spec: podSpec(
          Object.entries(d.containers).map(([c, spec]) => ({ name: c, ...spec })),
          d,
          false,
        ),
      },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    },
    status: {
      observedGeneration: 3,
      replicas: d.replicas,
      updatedReplicas: d.replicas,
      ...(ready ? { readyReplicas: ready } : {}),
      ...(available ? { availableReplicas: available } : {}),
      ...(d.replicas - available > 0 ? { unavailableReplicas: d.replicas - available } : {}),
      conditions: [
        {
          type: 'Available',
          status: ok ? 'True' : 'False',
          lastUpdateTime: at(now, ok ? d.ageMinutes : 5),
          lastTransitionTime: at(now, ok ? d.ageMinutes : 5),
          reason: ok ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
          message: ok
            ? 'Deployment has minimum availability.'
            : 'Deployment does not have minimum availability.',
        },
        {
          type: 'Progressing',
          status: 'True',
          lastUpdateTime: at(now, d.ageMinutes),
          lastTransitionTime: at(now, d.ageMinutes),
          reason: 'NewReplicaSetAvailable',
          message: `ReplicaSet "${name}-${hash(name, 10)}" has successfully progressed.`,
        },
      ],
    },
  };
}

interface ContainerSpecIn {
  name: string;
  image: string;
  env?: Record<string, SimEnvVar>;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> } | undefined;
}

function podSpec(
  containers: ContainerSpecIn[],
  sched: { nodeSelector?: Record<string, string>; tolerations?: Wire[] },
  admitted: boolean,
  nodeName?: string,
): Wire {
  return {
    containers: containers.map((c) => ({
      name: c.name,
      image: c.image,
      ...(c.env && Object.keys(c.env).length ? { env: env(c.env) } : {}),
      resources: c.resources ?? {},
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      imagePullPolicy: 'IfNotPresent',
    })),
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    schedulerName: 'default-scheduler',
    securityContext: {},
    ...(sched.nodeSelector ? { nodeSelector: sched.nodeSelector } : {}),
    ...(nodeName ? { nodeName } : {}),
    tolerations: [...(sched.tolerations ?? []), ...(admitted ? DEFAULT_TOLERATIONS : [])],
  };
}

function state(s: NonNullable<SimPod['containers'][string]['state']>, now: Date): Wire {
  if (s.running) return { running: { startedAt: at(now, s.running.startedMinutesAgo) } };
  if (s.waiting) {
    return {
      waiting: { reason: s.waiting.reason, ...(s.waiting.message ? { message: s.waiting.message } : {}) },
    };
  }
  return { terminated: terminated(s.terminated!, now) };
}

function terminated(
  t: NonNullable<NonNullable<SimPod['containers'][string]['lastState']>['terminated']>,
  now: Date,
) {
  return {
    exitCode: t.exitCode,
    reason: t.reason,
    ...(t.message ? { message: t.message } : {}),
    startedAt: at(now, t.startedMinutesAgo ?? t.finishedMinutesAgo + 1),
    finishedAt: at(now, t.finishedMinutesAgo),
    containerID: `containerd://${hash(`${t.finishedMinutesAgo}${t.reason}`, 64)}`,
  };
}

export function podObject(
  ns: string,
  name: string,
  p: SimPod,
  owner: SimDeployment | undefined,
  now: Date,
): Wire {
  const template = owner?.containers ?? {};
  const names = Object.keys(p.containers).length ? Object.keys(p.containers) : Object.keys(template);
  const containers: ContainerSpecIn[] = names.map((c) => ({
    name: c,
    image: p.containers[c]?.image ?? template[c]?.image ?? 'registry.invalid/unknown:latest',
    env: p.containers[c]?.env ?? template[c]?.env,
    resources: p.containers[c]?.resources ?? template[c]?.resources,
  }));
  const scheduled = p.scheduled.status === 'True';
  const labels = { ...(owner?.labels ?? {}), ...p.labels };
  const rsName = p.deployment ? `${p.deployment}-${hash(p.deployment, 10)}` : undefined;
  const statuses = names.map((c, i) => {
    const s = p.containers[c] ?? {
      ready: true,
      restartCount: 0,
      state: { running: { startedMinutesAgo: 0 } },
    };
    const st = s.state ?? { running: { startedMinutesAgo: p.ageMinutes } };
    return {
      name: c,
      image: containers[i]!.image,
      imageID: st.waiting
        ? ''
        : `${containers[i]!.image.split(':')[0]}@sha256:${hash(containers[i]!.image, 64)}`,
      ...(st.waiting ? {} : { containerID: `containerd://${hash(`${ns}/${name}/${c}`, 64)}` }),
      ready: s.ready && !!st.running,
      started: !!st.running,
      restartCount: s.restartCount,
      state: state(st, now),
      lastState: s.lastState ? { terminated: terminated(s.lastState.terminated, now) } : {},
    };
  });
  const allReady = scheduled && p.phase === 'Running' && statuses.every((s) => s.ready);
  const created = at(now, p.ageMinutes);
  const cond = (type: string, status: boolean, extra: Wire = {}) => ({
    type,
    status: status ? 'True' : 'False',
    lastProbeTime: null,
    lastTransitionTime: created,
    ...extra,
  });
  const conditions = scheduled
    ? [
        cond('PodReadyToStartContainers', statuses.some((s) => s.started || s.restartCount > 0) || allReady),
        cond('Initialized', true),
        cond(
          'Ready',
          allReady,
          allReady ? {} : { reason: 'ContainersNotReady', message: notReady(statuses) },
        ),
        cond(
          'ContainersReady',
          allReady,
          allReady ? {} : { reason: 'ContainersNotReady', message: notReady(statuses) },
        ),
        cond('PodScheduled', true),
      ]
    : [
        cond('PodScheduled', false, {
          reason: p.scheduled.reason ?? 'Unschedulable',
          message: p.scheduled.message ?? '0/1 nodes are available: 1 node(s) were unschedulable.',
        }),
      ];
  const sched = {
    nodeSelector: p.nodeSelector ?? owner?.nodeSelector,
    tolerations: (p.tolerations ?? owner?.tolerations) as Wire[] | undefined,
  };
  const nodeName = scheduled
    ? (p.nodeName ?? `ip-10-0-${(hash(name, 2).charCodeAt(0) % 200) + 10}-17.ec2.internal`)
    : undefined;
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: {
      name,
      namespace: ns,
      uid: uid(ns, 'pod', name),
      resourceVersion: '48377',
      creationTimestamp: created,
      labels: rsName ? { ...labels, 'pod-template-hash': rsName.slice(p.deployment!.length + 1) } : labels,
      ...(rsName
        ? {
            generateName: `${rsName}-`,
            ownerReferences: [
              {
                apiVersion: 'apps/v1',
                kind: 'ReplicaSet',
                name: rsName,
                uid: uid(ns, 'replicaset', rsName),
                controller: true,
                blockOwnerDeletion: true,
              },
            ],
          }
        : {}),
    },
    spec: podSpec(containers, sched, true, nodeName),
    status: {
      phase: p.phase,
      conditions,
      qosClass: 'Burstable',
      ...(scheduled
        ? {
            hostIP: '10.0.12.17',
            podIP: `10.0.${(hash(name, 1).charCodeAt(0) % 50) + 20}.${(hash(name, 2).charCodeAt(1) % 200) + 10}`,
            startTime: created,
            containerStatuses: statuses,
          }
        : {}),
    },
  };
}

function notReady(statuses: { name: string; ready: boolean }[]): string {
  const names = statuses.filter((s) => !s.ready).map((s) => s.name);
  return `containers with unready status: [${names.join(' ')}]`;
}

export function eventObject(ns: string, name: string, e: SimEvent, now: Date): Wire {
  return {
    kind: 'Event',
    apiVersion: 'v1',
    metadata: {
      name,
      namespace: ns,
      uid: uid(ns, 'event', name),
      resourceVersion: '48400',
      creationTimestamp: at(now, e.firstMinutesAgo),
    },
    involvedObject: {
      kind: e.involvedObject.kind,
      namespace: ns,
      name: e.involvedObject.name,
      uid: uid(ns, e.involvedObject.kind.toLowerCase(), e.involvedObject.name),
      apiVersion: 'v1',
    },
    reason: e.reason,
    message: e.message,
    source: { component: e.source },
    firstTimestamp: at(now, e.firstMinutesAgo),
    lastTimestamp: at(now, e.lastMinutesAgo),
    count: e.count,
    type: e.type,
    eventTime: null,
    reportingComponent: e.source,
    reportingInstance: '',
  };
}

/** The served state: wire objects per namespace, built once per scenario apply. */
export interface KubeState {
  pods: Map<string, Wire[]>;
  deployments: Map<string, Wire[]>;
  events: Map<string, Wire[]>;
  /** `<ns>/<pod>` → lines with absolute timestamps. */
  logs: Map<string, { at: Date; line: string }[]>;
  /** `<ns>/<pod>` → why its log cannot be read (the container has never started), if so. */
  logBlocked: Map<string, string>;
  /** PodMetrics objects by namespace (metrics.k8s.io/v1beta1). */
  podMetrics: Map<string, Wire[]>;
}

export function buildState(k: KubernetesScenario, now: Date): KubeState {
  const s: KubeState = {
    pods: new Map(),
    deployments: new Map(),
    events: new Map(),
    logs: new Map(),
    logBlocked: new Map(),
    podMetrics: new Map(),
  };
  const push = (m: Map<string, Wire[]>, ns: string, o: Wire) => m.set(ns, [...(m.get(ns) ?? []), o]);
  for (const [key, d] of Object.entries(k.deployments)) {
    const [ns, name] = key.split('/') as [string, string];
    push(s.deployments, ns, deploymentObject(ns, name, d, now));
  }
  for (const [key, p] of Object.entries(k.pods)) {
    const [ns, name] = key.split('/') as [string, string];
    const owner = p.deployment ? k.deployments[`${ns}/${p.deployment}`] : undefined;
    push(s.pods, ns, podObject(ns, name, p, owner, now));
    const first = Object.entries(p.containers)[0];
    const st = first?.[1].state;
    if (p.scheduled.status === 'False' || (st?.waiting && first![1].restartCount === 0)) {
      s.logBlocked.set(
        key,
        `container "${first?.[0] ?? 'main'}" in pod "${name}" is waiting to start: ${st?.waiting?.reason ?? 'ContainerCreating'}`,
      );
    }
  }
  for (const [key, e] of Object.entries(k.events)) {
    const [ns, name] = key.split('/') as [string, string];
    push(s.events, ns, eventObject(ns, name, e, now));
  }
  for (const [key, containers] of Object.entries(k.metrics)) {
    const [ns, name] = key.split('/') as [string, string];
    const labels = (s.pods.get(ns) ?? []).find((p) => (p.metadata as Wire).name === name)?.metadata as
      Wire | undefined;
    push(s.podMetrics, ns, {
      kind: 'PodMetrics',
      apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: { name, namespace: ns, creationTimestamp: now.toISOString(), labels: labels?.labels ?? {} },
      timestamp: new Date(now.getTime() - 15_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      window: '15.011s',
      containers: Object.entries(containers).map(([c, usage]) => ({ name: c, usage })),
    });
  }
  for (const [key, lines] of Object.entries(k.logs)) {
    s.logs.set(
      key,
      [...lines]
        .sort((a: SimLogLine, b: SimLogLine) => b.ageMinutes - a.ageMinutes)
        .map((l) => {
          const at = new Date(now.getTime() - l.ageMinutes * 60_000);
          return { at, line: 'line' in l ? l.line.repeat(l.repeat ?? 1) : slogHuman(at, l) };
        }),
    );
  }
  return s;
}
