import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallRecorder } from '../../lambdas/audit/calls.js';
import { eksTokenProvider } from '../../lambdas/clients/eks-token.js';
import { KubeClient, KubernetesApiError, type KubeClientOptions } from '../../lambdas/clients/kube.js';
import { loadScenario } from '../../sim/scenario.js';
import { startKubeSim, type KubeSimPart } from '../../sim/kube/server.js';
import { kubeEnv } from '../checks/cluster/harness.js';

const env = kubeEnv();
let kube: KubeSimPart;

function client(o: Partial<KubeClientOptions> = {}): KubeClient {
  return new KubeClient({
    server: kube.url,
    caPem: kube.caPem,
    token: eksTokenProvider({ clusterName: 'coder-prod', region: 'us-east-1', credentials: env.credentials }),
    timeoutMs: 5_000, // success paths; timeout tests pass a short timeoutMs
    calls: new CallRecorder(),
    ...o,
  });
}

async function failure(p: Promise<unknown>): Promise<KubernetesApiError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(KubernetesApiError);
  return err as KubernetesApiError;
}

describe('Class: KubeClient (real @kubernetes/client-node over HTTPS against the twin)', () => {
  beforeAll(async () => {
    kube = await startKubeSim(env, loadScenario('healthy'), new Date());
  });
  afterAll(async () => kube.stop());

  describe('Method: listPods', () => {
    it('authenticates with the EKS token and returns typed pods', async () => {
      const calls = new CallRecorder();
      const pods = await client({ calls }).listPods('coder', 'app.kubernetes.io/name=coder');
      expect(pods.map((p) => p.metadata?.name).sort()).toEqual([
        'coder-6f7d9c8b5-k2x8m',
        'coder-6f7d9c8b5-p9w4t',
      ]);
      expect(pods[0]!.metadata?.creationTimestamp).toBeInstanceOf(Date);
      expect(calls.list()).toMatchObject([
        { service: 'kubernetes', operation: 'listNamespacedPod', resource: 'coder/pods', ok: true },
      ]);
    });

    it('a token for another cluster or signed with another key is rejected with 401', async () => {
      const other = eksTokenProvider({
        clusterName: 'other',
        region: 'us-east-1',
        credentials: env.credentials,
      });
      expect((await failure(client({ token: other }).listPods('coder'))).status).toBe(401);
      const forged = eksTokenProvider({
        clusterName: 'coder-prod',
        region: 'us-east-1',
        credentials: { accessKeyId: env.credentials.accessKeyId, secretAccessKey: 'forged' },
      });
      expect((await failure(client({ token: forged }).listPods('coder'))).status).toBe(401);
      expect(
        (await failure(client({ token: async () => 'k8s-aws-v1.bm90LWEtdXJs' }).listPods('coder'))).status,
      ).toBe(401);
    });

    it('namespaces outside the access scope are 403 Forbidden', async () => {
      const err = await failure(client().listPods('kube-system'));
      expect(err.status).toBe(403);
      expect(err.message).toContain(
        'cannot list resource "pods" in API group "" in the namespace "kube-system"',
      );
    });

    it('verifies TLS against the cluster CA', async () => {
      const err = await failure(client({ caPem: env.tls.cert }).listPods('coder'));
      expect(err.status).toBe(0);
    });

    it('a hanging server fails within the client timeout', async () => {
      env.faults.set([{ service: 'kubernetes', kind: 'hang', ms: 0, rate: 1 }]);
      try {
        const err = await failure(client({ timeoutMs: 300 }).listPods('coder'));
        expect(err.reason).toBe('Timeout');
      } finally {
        env.faults.set([]);
      }
    });

    it('retries 429 and 5xx answers, then reports them', async () => {
      env.faults.set([
        { service: 'kubernetes', operation: 'listNamespacedPod', kind: 'throttle', ms: 0, rate: 1 },
      ]);
      try {
        const calls = new CallRecorder();
        const err = await failure(client({ calls, maxAttempts: 2 }).listPods('coder'));
        expect([err.status, err.reason]).toEqual([429, 'TooManyRequests']);
        expect(calls.list()).toHaveLength(1); // one logical call, retries included
      } finally {
        env.faults.set([]);
      }
    });

    it('the group signal aborts a request in flight', async () => {
      env.faults.set([{ service: 'kubernetes', kind: 'hang', ms: 0, rate: 1 }]);
      try {
        const ac = new AbortController();
        const p = client({ signal: ac.signal, timeoutMs: 30_000 }).listPods('coder');
        setTimeout(() => ac.abort(), 50);
        expect((await failure(p)).reason).toBe('Aborted');
      } finally {
        env.faults.set([]);
      }
    });
  });

  describe('Method: listEvents / listDeployments / readPodLog', () => {
    it('read events, deployments and logs', async () => {
      const c = client();
      expect((await c.listEvents('coder-ws', 'reason=Scheduled')).map((e) => e.reason)).toEqual([
        'Scheduled',
      ]);
      expect((await c.listEvents('coder-ws', 'reason=FailedScheduling')).length).toBe(0);
      const deps = await c.listDeployments('coder');
      expect(
        deps[0]!.spec?.template.spec?.containers[0]!.env?.find((e) => e.name === 'CODER_PG_CONNECTION_URL'),
      ).toEqual({
        name: 'CODER_PG_CONNECTION_URL',
        valueFrom: { secretKeyRef: { name: 'coder-db-credentials', key: 'url' } },
      });
      const log = await c.readPodLog('coder', 'coder-6f7d9c8b5-k2x8m', {
        container: 'coder',
        sinceSeconds: 3600,
      });
      expect(log).toContain('workspace build completed');
      expect(log).not.toContain('successfully connected to database'); // older than the window
    });
  });
});
