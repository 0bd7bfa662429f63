import type { Nodegroup } from '@aws-sdk/client-eks';
import type {
  CoreV1Event,
  V1Affinity,
  V1ContainerStatus,
  V1Deployment,
  V1EnvVar,
  V1Pod,
  V1Toleration,
} from '../../../lambdas/clients/kube-types.js';
import type { Check } from '../../../lambdas/audit/check.js';
import { parseConfig, type DeploymentConfig, type DeploymentInput } from '../../../lambdas/audit/config.js';
import { known, type Fact } from '../../../lambdas/audit/fact.js';
import type { Finding } from '../../../lambdas/audit/model.js';
import { evaluateCheck } from '../../../lambdas/audit/runner.js';
import type { PodMetrics } from '../../../lambdas/clients/kube.js';
import type { ClusterSnapshot, PodLog } from '../../../lambdas/checks/cluster/collector.js';
import { deepMerge } from '../../../sim/scenario.js';
import { baseSimDeployment } from '../../../sim/deployment.js';
import { WS_NODEGROUP } from './harness.js';

export const NOW = new Date('2025-06-01T12:00:00Z');
/**
 * `minutes` before NOW as the API server writes a timestamp (metav1.Time: RFC 3339, seconds): a string, as the
 * client returns it, never a Date.
 */
export const ago = (minutes: number): string =>
  new Date(NOW.getTime() - minutes * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function deploymentConfig(over: Record<string, unknown> = {}): DeploymentConfig {
  return parseConfig(deepMerge(baseSimDeployment(), over) as DeploymentInput).deployments[0]!;
}

export function failed<T = never>(name = 'kubernetes pods'): Fact<T> {
  return { ok: false, name, error: 'KubernetesApiError: HTTP 403 Forbidden' };
}

export const WS_TOLERATION: V1Toleration = {
  key: 'coder.com/workspaces',
  operator: 'Equal',
  value: 'true',
  effect: 'NoSchedule',
};

export function running(name: string, p: Partial<V1ContainerStatus> = {}): V1ContainerStatus {
  return {
    name,
    image: 'ghcr.io/coder/coder:v2.18.5',
    imageID: '',
    ready: true,
    restartCount: 0,
    state: { running: { startedAt: ago(600) } },
    ...p,
  };
}

interface PodOpts {
  labels?: Record<string, string>;
  ageMinutes?: number;
  phase?: string;
  ready?: boolean;
  tolerations?: V1Toleration[];
  nodeSelector?: Record<string, string>;
  affinity?: V1Affinity;
  unschedulable?: string;
  /** `status.reason` (e.g. `Evicted` for a Failed pod). */
  reason?: string;
  containers?: V1ContainerStatus[];
}

/** A pod as the API returns it (typed), healthy and Running unless told otherwise. */
export function pod(namespace: string, name: string, o: PodOpts = {}): V1Pod {
  const statuses = o.containers ?? [running(namespace === 'coder-ws' ? 'dev' : 'coder')];
  const ready = o.ready ?? statuses.every((s) => s.ready);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: o.labels ?? {}, creationTimestamp: ago(o.ageMinutes ?? 600) },
    spec: {
      containers: statuses.map((s) => ({ name: s.name, image: s.image })),
      tolerations: o.tolerations ?? [],
      ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}),
      ...(o.affinity ? { affinity: o.affinity } : {}),
    },
    status: o.unschedulable
      ? {
          phase: 'Pending',
          conditions: [
            { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: o.unschedulable },
          ],
        }
      : {
          phase: o.phase ?? 'Running',
          ...(o.reason ? { reason: o.reason, message: 'The node was low on resource: memory.' } : {}),
          conditions: [
            { type: 'PodScheduled', status: 'True' },
            { type: 'Ready', status: ready ? 'True' : 'False' },
          ],
          containerStatuses: statuses,
        },
  };
}

export const CODER_LABELS = { 'app.kubernetes.io/name': 'coder', 'app.kubernetes.io/instance': 'coder' };

export function coderPod(name: string, o: PodOpts = {}): V1Pod {
  return pod('coder', name, { labels: CODER_LABELS, ...o });
}

/** The node selector of the workspace template: the workspace node group's label. */
export const WS_SELECTOR = { 'coder.com/pool': 'workspaces' };

export function wsPod(name: string, o: PodOpts = {}): V1Pod {
  return pod('coder-ws', name, { tolerations: [WS_TOLERATION], nodeSelector: WS_SELECTOR, ...o });
}

export const FULL_ENV: V1EnvVar[] = [
  {
    name: 'CODER_PG_CONNECTION_URL',
    valueFrom: { secretKeyRef: { name: 'coder-db-credentials', key: 'url' } },
  },
  { name: 'CODER_OIDC_ISSUER_URL', value: 'https://login.example.com/realms/coder' },
  { name: 'CODER_OIDC_SCOPES', value: 'openid,profile,email,groups' },
];

/** The coderd deployment (typed), 2/2 available. */
export function coderDeployment(
  p: { replicas?: number; available?: number; env?: typeof FULL_ENV } = {},
): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'coder', namespace: 'coder', labels: CODER_LABELS },
    spec: {
      replicas: p.replicas ?? 2,
      selector: { matchLabels: CODER_LABELS },
      template: {
        metadata: { labels: CODER_LABELS },
        spec: {
          containers: [{ name: 'coder', image: 'ghcr.io/coder/coder:v2.18.5', env: p.env ?? FULL_ENV }],
        },
      },
    },
    status: {
      replicas: p.replicas ?? 2,
      availableReplicas: p.available ?? 2,
      readyReplicas: p.available ?? 2,
    },
  };
}

/** The CoreDNS deployment of kube-system, `available` of `replicas` replicas available. */
export function dnsDeployment(replicas = 2, available = replicas): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'coredns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
    spec: { replicas, selector: { matchLabels: { 'k8s-app': 'kube-dns' } }, template: {} },
    status: { replicas, ...(available ? { availableReplicas: available, readyReplicas: available } : {}) },
  };
}

/** A metrics-server sample of a coderd pod's `coder` container. */
export function podMetrics(pod: string, cpu: string, memory: string): PodMetrics {
  return {
    metadata: { name: pod, namespace: 'coder' },
    containers: [{ name: 'coder', usage: { cpu, memory } }],
  };
}

export function schedulingEvent(podName: string, message: string): CoreV1Event {
  return {
    metadata: { name: `${podName}.181a`, namespace: 'coder-ws' },
    involvedObject: { kind: 'Pod', name: podName, namespace: 'coder-ws' },
    reason: 'FailedScheduling',
    message,
    type: 'Warning',
    lastTimestamp: ago(1),
  };
}

export function podLog(pod: string, text: string, p: Partial<PodLog> = {}): PodLog {
  return { component: 'coderd', namespace: 'coder', pod, container: 'coder', text, ...p };
}

export function nodegroup(p: Partial<Nodegroup> = {}): Nodegroup {
  return { ...WS_NODEGROUP, ...p };
}

/** A healthy snapshot: every fact read, nothing wrong. */
export function snapshot(over: Partial<ClusterSnapshot> = {}): ClusterSnapshot {
  return {
    cluster: known({ vpcId: 'vpc-0c0de0000000000a1' }),
    pods: {
      coder: known([coderPod('coder-a'), coderPod('coder-b')]),
      'coder-prov': known([pod('coder-prov', 'prov-a'), pod('coder-prov', 'prov-b')]),
      'coder-ws': known([wsPod('ws-alice'), wsPod('ws-bob')]),
    },
    schedulingEvents: known([]),
    deployments: known([coderDeployment()]),
    logs: known([podLog('coder-a', '{"msg":"successfully connected to database"}\n')]),
    nodegroups: known({ 'coder-prod-ws': nodegroup() }),
    dnsDeployment: known(dnsDeployment()),
    volumeEvents: known([]),
    coderdMetrics: known([
      podMetrics('coder-a', '412345678n', '1318912Ki'),
      podMetrics('coder-b', '388m', '1232Mi'),
    ]),
    ...over,
  };
}

/** Replace one namespace's pods. */
export function withPods(ns: string, pods: V1Pod[], base = snapshot()): ClusterSnapshot {
  return { ...base, pods: { ...base.pods, [ns]: known(pods) } };
}

export function run<S>(check: Check<S>, snap: S, config = deploymentConfig()): Finding[] {
  return evaluateCheck(check, snap, config, NOW);
}

export function only(findings: Finding[]): Finding {
  if (findings.length !== 1) throw new Error(`expected one finding, got ${findings.length}`);
  return findings[0]!;
}

export function failing(findings: Finding[]): Finding[] {
  return findings.filter((f) => f.status === 'fail');
}
