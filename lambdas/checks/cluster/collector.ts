import type { Nodegroup } from '@aws-sdk/client-eks';
import type { CoreV1Event, V1Deployment, V1Pod } from '../../clients/kube-types.js';
import { describeError } from '../../audit/errors.js';
import { settle, type Fact } from '../../audit/fact.js';
import type { CollectContext } from '../../audit/group.js';
import { describeCluster, describeNodegroup } from '../../clients/eks.js';
import { eksTokenProvider } from '../../clients/eks-token.js';
import { KubeClient, KubernetesApiError, LOG_LIMIT_BYTES, type PodMetrics } from '../../clients/kube.js';
import { mainContainer, neverStarted } from './pods.js';

import { LOG_TAIL_LINES } from './limits.js';

export { LOG_TAIL_LINES };

/** The log of one coderd or provisioner pod over the log window, or why it was not read. */
export interface PodLog {
  component: 'coderd' | 'provisioner';
  namespace: string;
  pod: string;
  container: string;
  /** The log text (last `thresholds.logWindowMinutes`, at most the last LOG_TAIL_LINES lines). */
  text?: string;
  /** Not the whole window: more than LOG_TAIL_LINES lines (the newest were read), or LOG_LIMIT_BYTES reached. */
  truncated?: boolean;
  /** Why the read failed (an `error` result). */
  error?: string;
  /** Why there is nothing to read (the container never started). */
  skipped?: string;
}

/** Everything the cluster checks read: each namespace's pods once, then the logs, all in parallel. */
export interface ClusterSnapshot {
  /** The cluster's VPC (for remediation commands), from the shared DescribeCluster. */
  cluster: Fact<{ vpcId?: string }>;
  /** Pods by namespace (each distinct namespace of `namespaces` read once). */
  pods: Record<string, Fact<V1Pod[]>>;
  /** FailedScheduling events of the workspaces namespace. */
  schedulingEvents: Fact<CoreV1Event[]>;
  /** Deployments of the coderd namespace. */
  deployments: Fact<V1Deployment[]>;
  /** Logs of the coderd and provisioner pods over the log window. */
  logs: Fact<PodLog[]>;
  /**
   * The configured node groups (eks.nodegroups, workspace ones included) by name (`undefined` when one does
   * not exist), from the shared DescribeNodegroup: where pending coderd, provisioner and workspace pods go.
   */
  nodegroups: Fact<Record<string, Nodegroup | undefined>>;
  /** Current usage of the pods of the coderd namespace (metrics.k8s.io, what `kubectl top pods` reads). */
  coderdMetrics: Fact<PodMetrics[]>;
  /** Warning events of the workspaces namespace: volume provisioning and attach failures among them. */
  volumeEvents: Fact<CoreV1Event[]>;
  /** The cluster DNS deployment (eks.dnsDeployment), read by name; `null` when it does not exist. */
  dnsDeployment: Fact<V1Deployment | null>;
}

/** The Kubernetes client of this audit: endpoint and CA from DescribeCluster (endpoint overridable). */
async function kubeClient(ctx: CollectContext): Promise<KubeClient> {
  const d = ctx.deployment;
  const { cluster } = await describeCluster(ctx);
  const server = d.eks.apiEndpoint ?? cluster?.endpoint;
  const ca = cluster?.certificateAuthority?.data;
  if (!server || !ca) {
    throw new Error(`EKS cluster ${d.eks.clusterName} has no API endpoint or certificate authority yet`);
  }
  return new KubeClient({
    server,
    caPem: Buffer.from(ca, 'base64').toString('utf8'),
    token: eksTokenProvider({
      clusterName: d.eks.clusterName,
      region: ctx.aws.region,
      credentials: ctx.aws.credentials,
    }),
    timeoutMs: d.timeouts.callMs,
    signal: ctx.signal,
    calls: ctx.calls,
  });
}

/** Read every cluster fact once. Chain: DescribeCluster -> pods/events/deployments -> logs (depth 3). */
export async function collectCluster(ctx: CollectContext): Promise<ClusterSnapshot> {
  const d = ctx.deployment;
  const ns = d.namespaces;
  const signal = ctx.signal;
  const client = kubeClient(ctx);
  client.catch(() => {}); // failures surface through every fact that needs it
  const namespaces = [...new Set([ns.coderd, ns.provisioner, ns.workspaces])];
  const podReads = new Map(namespaces.map((n) => [n, client.then((c) => c.listPods(n))]));
  for (const p of podReads.values()) p.catch(() => {});
  const nodegroupNames = [...new Set([...d.eks.nodegroups, ...(d.eks.workspaceNodegroups ?? [])])];

  const readLogs = async (component: PodLog['component'], namespace: string): Promise<PodLog[]> => {
    const [c, pods] = await Promise.all([client, podReads.get(namespace)!]);
    const live = pods.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
    return Promise.all(
      live.map(async (p): Promise<PodLog> => {
        const pod = p.metadata?.name ?? '';
        const container = mainContainer(p, component === 'coderd' ? 'coder' : 'provisioner');
        const base = { component, namespace, pod, container };
        const why = neverStarted(p, container);
        if (why) return { ...base, skipped: why };
        try {
          const text = await c.readPodLog(namespace, pod, {
            container,
            sinceSeconds: d.thresholds.logWindowMinutes * 60,
            tailLines: LOG_TAIL_LINES,
          });
          // A full tail, or a read stopped at limitBytes (then the newest lines of the tail are missing).
          const cut = lineCount(text) >= LOG_TAIL_LINES || Buffer.byteLength(text) >= LOG_LIMIT_BYTES;
          return cut ? { ...base, text, truncated: true } : { ...base, text };
        } catch (err) {
          if (
            err instanceof KubernetesApiError &&
            err.status === 400 &&
            /waiting to start/.test(err.message)
          ) {
            return { ...base, skipped: 'container is waiting to start' };
          }
          return { ...base, error: describeError(err) };
        }
      }),
    );
  };

  const dns = d.eks.dnsDeployment;
  const [
    cluster,
    schedulingEvents,
    deployments,
    logs,
    nodegroups,
    dnsDeployment,
    volumeEvents,
    coderdMetrics,
    ...pods
  ] = await Promise.all([
    settle(
      `eks:DescribeCluster ${d.eks.clusterName}`,
      async () => {
        const out = await describeCluster(ctx);
        return { vpcId: out.cluster?.resourcesVpcConfig?.vpcId };
      },
      signal,
    ),
    settle(
      `kubernetes events ${ns.workspaces}`,
      async () => (await client).listEvents(ns.workspaces, 'reason=FailedScheduling'),
      signal,
    ),
    settle(
      `kubernetes deployments ${ns.coderd}`,
      async () => (await client).listDeployments(ns.coderd),
      signal,
    ),
    settle(
      `kubernetes logs ${ns.coderd},${ns.provisioner}`,
      async () =>
        (await Promise.all([readLogs('coderd', ns.coderd), readLogs('provisioner', ns.provisioner)])).flat(),
      signal,
    ),
    settle(
      `eks:DescribeNodegroup ${d.eks.clusterName}/${nodegroupNames.join(',')}`,
      async () =>
        Object.fromEntries(
          await Promise.all(
            nodegroupNames.map(async (name) => {
              try {
                return [name, (await describeNodegroup(ctx, name)).nodegroup] as const;
              } catch (err) {
                if ((err as { name?: string }).name === 'ResourceNotFoundException')
                  return [name, undefined] as const;
                throw err;
              }
            }),
          ),
        ),
      signal,
    ),
    settle(
      `kubernetes deployment ${dns.namespace}/${dns.name}`,
      async () => {
        try {
          return await (await client).readDeployment(dns.namespace, dns.name);
        } catch (err) {
          // Not found is an answer (the DNS deployment is missing); anything else could not be read.
          if (err instanceof KubernetesApiError && err.status === 404) return null;
          throw err;
        }
      },
      signal,
    ),
    settle(
      `kubernetes warning events ${ns.workspaces}`,
      async () => (await client).listEvents(ns.workspaces, 'type=Warning'),
      signal,
    ),
    settle(
      `kubernetes pod metrics ${ns.coderd}`,
      async () => (await client).listPodMetrics(ns.coderd),
      signal,
    ),
    ...namespaces.map((n) => settle(`kubernetes pods ${n}`, () => podReads.get(n)!, signal)),
  ]);
  return {
    cluster,
    pods: Object.fromEntries(namespaces.map((n, i) => [n, pods[i]!])),
    schedulingEvents,
    deployments,
    logs,
    nodegroups,
    dnsDeployment,
    volumeEvents,
    coderdMetrics,
  };
}

/** Lines of a log text (a final newline does not start a line). */
function lineCount(text: string): number {
  if (!text) return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}
